import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The daily retention purge (`inbox.retention_purge`) deletes a
 * workspace's messages older than its retention, oldest first, 1,000 at a
 * time: this index serves that range without scanning the table.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('messages', (table) => {
      table.index(['workspace_id', 'created_at'], 'messages_retention')
    })
  }

  async down() {
    this.schema.alterTable('messages', (table) => {
      table.dropIndex(['workspace_id', 'created_at'], 'messages_retention')
    })
  }
}
