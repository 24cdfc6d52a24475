import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Append-only. No foreign keys on purpose: an audit row outlives the
 * workspace, user or record it describes.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('audit_logs', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().nullable()
      table.bigInteger('actor_id').unsigned().nullable()
      table.string('action', 64).notNullable()
      table.string('target_type', 64).nullable()
      table.string('target_id', 64).nullable()
      table.text('before').nullable()
      table.text('after').nullable()
      table.string('ip', 45).nullable()
      table.string('user_agent', 255).nullable()
      table.string('route', 255).nullable()
      table.timestamp('created_at').notNullable()
      table.index(['workspace_id', 'created_at'])
      table.index(['workspace_id', 'action', 'created_at'])
      table.index(['action', 'created_at'])
    })
  }

  async down() {
    this.schema.dropTable('audit_logs')
  }
}
