import { PluginSchema } from '#sdk/migrations'

/**
 * - qr_baileys_inbound_media: what Baileys needs to fetch an inbound
 *   attachment later (media key, direct path, URL, the message key for a
 *   re-upload request), encrypted, keyed by the media id handed to the
 *   inbox. The core `media.download_inbound` job asks the driver for it.
 * - qr_baileys_uploads: outbound media uploaded through the driver; the
 *   bytes live on the drive disk (`ctx.storage`), shared by every worker.
 * Both expire (30 days, like Meta's media ids) and are purged by the
 * session manager.
 */
export default class extends PluginSchema {
  static pluginId = 'qr_baileys'

  async up() {
    const owners = (table: any) => {
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table
        .bigInteger('channel_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('channels')
        .onDelete('CASCADE')
    }

    this.schema.createTable('qr_baileys_inbound_media', (table) => {
      table.bigIncrements('id')
      owners(table)
      table.string('media_id', 191).notNullable().unique()
      table.string('type', 16).notNullable()
      table.text('source').notNullable()
      table.string('last_error', 500).nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('expires_at').notNullable()
      table.index(['workspace_id', 'channel_id'])
      table.index(['expires_at'])
    })

    this.schema.createTable('qr_baileys_uploads', (table) => {
      table.bigIncrements('id')
      owners(table)
      table.string('media_id', 64).notNullable().unique()
      table.string('path', 255).notNullable()
      table.string('mime_type', 127).notNullable()
      table.string('filename', 255).nullable()
      table.integer('size').unsigned().notNullable()
      table.string('sha256', 64).notNullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('expires_at').notNullable()
      table.index(['workspace_id', 'channel_id'])
      table.index(['expires_at'])
    })
  }

  async down() {
    this.schema.dropTable('qr_baileys_uploads')
    this.schema.dropTable('qr_baileys_inbound_media')
  }
}
