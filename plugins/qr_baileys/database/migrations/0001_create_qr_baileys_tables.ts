import { PluginSchema } from '#sdk/migrations'

/**
 * - qr_baileys_sessions: one row per QR channel: connection state machine
 *   with timestamps, what the admin asked for (`desired`), the last QR or
 *   pairing code, the linked account, pacing counters.
 * - qr_baileys_auth: Baileys auth state (creds and signal keys), one row
 *   per item, each value encrypted with APP_KEY (purpose per channel).
 * - qr_baileys_lids: WhatsApp LID → phone number, per workspace.
 * - qr_baileys_outbox: sends relayed to the process that owns the socket.
 */
export default class extends PluginSchema {
  static pluginId = 'qr_baileys'

  async up() {
    const workspace = (table: any) =>
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
    const channel = (table: any) =>
      table
        .bigInteger('channel_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('channels')
        .onDelete('CASCADE')

    this.schema.createTable('qr_baileys_sessions', (table) => {
      table.bigIncrements('id')
      workspace(table)
      channel(table)
      table.string('channel_public_id', 64).notNullable()
      table.string('session_key', 191).notNullable().unique()
      table.string('state', 16).notNullable().defaultTo('connecting')
      table.string('desired', 16).notNullable().defaultTo('run')
      table.timestamp('state_changed_at').nullable()
      table.timestamp('connecting_at').nullable()
      table.timestamp('opened_at').nullable()
      table.timestamp('closed_at').nullable()
      table.timestamp('logged_out_at').nullable()
      table.string('last_error', 500).nullable()
      table.text('qr').nullable()
      table.timestamp('qr_expires_at').nullable()
      table.string('pairing_phone', 32).nullable()
      table.string('pairing_code', 32).nullable()
      table.string('phone', 32).nullable()
      table.string('lid', 64).nullable()
      table.string('owner', 191).nullable()
      table.string('sent_day', 10).nullable()
      table.integer('sent_count').unsigned().notNullable().defaultTo(0)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['channel_id'])
      table.index(['workspace_id', 'channel_id'])
    })

    this.schema.createTable('qr_baileys_auth', (table) => {
      table.bigIncrements('id')
      workspace(table)
      channel(table)
      table.string('category', 40).notNullable()
      table.string('item_id', 191).notNullable()
      table.text('value', 'mediumtext').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['channel_id', 'category', 'item_id'])
      table.index(['workspace_id', 'channel_id'])
    })

    this.schema.createTable('qr_baileys_lids', (table) => {
      table.bigIncrements('id')
      workspace(table)
      table.string('lid', 64).notNullable()
      table.string('phone', 32).notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'lid'])
      table.index(['workspace_id', 'phone'])
    })

    this.schema.createTable('qr_baileys_outbox', (table) => {
      table.bigIncrements('id')
      workspace(table)
      channel(table)
      table.text('payload').notNullable()
      table.string('status', 16).notNullable().defaultTo('pending')
      table.string('provider_message_id', 128).nullable()
      table.string('error', 500).nullable()
      table.string('error_action', 16).nullable()
      table.integer('retry_after_ms').unsigned().nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['workspace_id', 'channel_id', 'status'])
    })
  }

  async down() {
    this.schema.dropTable('qr_baileys_outbox')
    this.schema.dropTable('qr_baileys_lids')
    this.schema.dropTable('qr_baileys_auth')
    this.schema.dropTable('qr_baileys_sessions')
  }
}
