import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Segment counts (issue 6, app/contacts/segments/compile.ts):
 *
 * - `contacts_inbound_engagement` (workspace_id, last_inbound_at,
 *   messages_in, erased_at) replaces `contacts_last_inbound_lookup`
 *   (workspace_id, last_inbound_at), of which it is an extension (same
 *   leading columns, so every query the old index served it serves): a
 *   "last inbound within N days AND messages in ≥ M" count reads this index
 *   alone instead of every contact row.
 * - `contacts_erased_lookup` (workspace_id, erased_at): the set form of a
 *   count leaves erased contacts out with one uncorrelated
 *   `NOT IN (SELECT id FROM contacts WHERE workspace_id = ? AND erased_at
 *   IS NOT NULL)`, a short range of this index, instead of reading each
 *   matching contact's row.
 *
 * The number of indexes on `contacts` grows by one (imports write it).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('contacts', (table) => {
      table.index(
        ['workspace_id', 'last_inbound_at', 'messages_in', 'erased_at'],
        'contacts_inbound_engagement'
      )
      table.index(['workspace_id', 'erased_at'], 'contacts_erased_lookup')
    })
    this.schema.alterTable('contacts', (table) => {
      table.dropIndex(['workspace_id', 'last_inbound_at'], 'contacts_last_inbound_lookup')
    })
  }

  async down() {
    this.schema.alterTable('contacts', (table) => {
      table.index(['workspace_id', 'last_inbound_at'], 'contacts_last_inbound_lookup')
    })
    this.schema.alterTable('contacts', (table) => {
      table.dropIndex(['workspace_id', 'erased_at'], 'contacts_erased_lookup')
      table.dropIndex(
        ['workspace_id', 'last_inbound_at', 'messages_in', 'erased_at'],
        'contacts_inbound_engagement'
      )
    })
  }
}
