import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Inbox list speed and auto-away (issue 5, sections 3 and 7).
 *
 * - The status list index `(workspace_id, status, last_message_at)` grows
 *   into `(workspace_id, status, last_message_at, id, priority,
 *   unread_count)`: the list's first statement (the page's ids, newest
 *   first) reads only this index for a status view, and the priority and
 *   unread filters are checked in the index (no row look-up for the rows
 *   they reject). `id` is named so the order `last_message_at desc, id
 *   desc` stays the index's order. It replaces the old index (a prefix of
 *   it), so writes keep the same number of indexes.
 * - `agent_profiles.auto_away`: the member was set away by the idle sweep
 *   (not by choice), so their next heartbeat brings them back online.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('conversations', (table) => {
      table.index(
        ['workspace_id', 'status', 'last_message_at', 'id', 'priority', 'unread_count'],
        'conversations_status_list'
      )
    })
    this.schema.alterTable('conversations', (table) => {
      table.dropIndex(
        ['workspace_id', 'status', 'last_message_at'],
        'conversations_workspace_id_status_last_message_at_index'
      )
    })
    this.schema.alterTable('agent_profiles', (table) => {
      table.boolean('auto_away').notNullable().defaultTo(false)
    })
  }

  async down() {
    this.schema.alterTable('agent_profiles', (table) => {
      table.dropColumn('auto_away')
    })
    this.schema.alterTable('conversations', (table) => {
      table.index(
        ['workspace_id', 'status', 'last_message_at'],
        'conversations_workspace_id_status_last_message_at_index'
      )
    })
    this.schema.alterTable('conversations', (table) => {
      table.dropIndex([], 'conversations_status_list')
    })
  }
}
