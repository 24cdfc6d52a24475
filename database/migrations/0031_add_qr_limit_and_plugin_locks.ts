import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * - plans.max_qr_channels: how many QR-code (unofficial API) numbers a
 *   workspace on the plan may connect; null = no limit besides
 *   max_channels. Existing plans keep no extra limit.
 * - plugin_locks: leases that plugins take through `ctx.locks` when Redis
 *   is not configured (one row per key; expired rows are taken over).
 *   Platform table.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('plans', (table) => {
      table.integer('max_qr_channels').unsigned().nullable()
    })
    this.schema.createTable('plugin_locks', (table) => {
      table.string('key', 191).primary()
      table.string('owner', 191).notNullable()
      table.bigInteger('expires_at').notNullable()
    })
  }

  async down() {
    this.schema.dropTable('plugin_locks')
    if (this.db.dialect.name.includes('sqlite')) {
      // Native DROP COLUMN (SQLite >= 3.35): knex's copy-and-rename would
      // drop `plans` while workspaces reference it.
      this.schema.raw('ALTER TABLE plans DROP COLUMN max_qr_channels')
    } else {
      this.schema.alterTable('plans', (table) => {
        table.dropColumn('max_qr_channels')
      })
    }
  }
}
