import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Inbox list, search and metrics (issue 5, sections 1, 2 and 6).
 *
 * - `messages.body` gets a FULLTEXT index on MySQL/MariaDB (the inbox
 *   search uses MATCH … AGAINST in boolean mode); SQLite has none and the
 *   search falls back to LIKE there.
 * - Contacts are searched by WhatsApp profile name too (prefix match).
 * - `conversations.reopened_at`: when the current cycle started after a
 *   resolution (resolution time is measured from it).
 * - `agent_conversations`: one row per (conversation, agent) that replied
 *   to or resolved it, so "conversations handled per agent" is one
 *   indexed COUNT (see docs/inbox.md, Metrics). Written on agent replies
 *   and resolutions only, never on the inbound ingest path.
 */
export default class extends BaseSchema {
  async up() {
    const mysql = this.db.dialect.name === 'mysql'

    this.schema.alterTable('conversations', (table) => {
      table.timestamp('reopened_at').nullable()
    })

    this.schema.alterTable('contacts', (table) => {
      table.index(['workspace_id', 'profile_name'], 'contacts_profile_name_lookup')
    })

    this.schema.createTable('agent_conversations', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('conversation_id').unsigned().notNullable()
      table.bigInteger('user_id').unsigned().notNullable()
      table.integer('replies').unsigned().notNullable().defaultTo(0)
      table.integer('resolutions').unsigned().notNullable().defaultTo(0)
      table.timestamp('first_handled_at').notNullable()
      table.timestamp('last_handled_at').notNullable()
      table
        .foreign(['workspace_id', 'conversation_id'])
        .references(['workspace_id', 'id'])
        .inTable('conversations')
        .onDelete('CASCADE')
      table.unique(['workspace_id', 'conversation_id', 'user_id'], {
        indexName: 'agent_conversations_unique',
      })
      table.index(['workspace_id', 'user_id', 'first_handled_at'], 'agent_conversations_by_agent')
    })

    if (mysql) {
      this.schema.raw('ALTER TABLE messages ADD FULLTEXT INDEX messages_body_fulltext (body)')
    }
  }

  async down() {
    if (this.db.dialect.name === 'mysql') {
      this.schema.raw('ALTER TABLE messages DROP INDEX messages_body_fulltext')
    }
    this.schema.dropTable('agent_conversations')
    this.schema.alterTable('contacts', (table) => {
      table.dropIndex([], 'contacts_profile_name_lookup')
    })
    this.schema.alterTable('conversations', (table) => {
      table.dropColumn('reopened_at')
    })
  }
}
