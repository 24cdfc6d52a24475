import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('channels', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('driver', 32).notNullable()
      table.string('name', 120).notNullable()
      table.string('display_phone_number', 32).nullable()
      // Routes inbound webhooks to the workspace: one channel per Meta number.
      table.string('phone_number_id', 64).nullable().unique()
      table.string('waba_id', 64).nullable()
      table.text('access_token').nullable()
      table.text('app_secret').nullable()
      table.string('webhook_key', 32).notNullable().unique()
      table.text('verify_token').nullable()
      table.text('settings').nullable()
      table.string('status', 16).notNullable().defaultTo('disconnected')
      table.string('quality_rating', 16).nullable()
      table.string('messaging_limit', 32).nullable()
      table.timestamp('last_health_check_at').nullable()
      table.string('last_error', 500).nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'id'])
      table.index(['workspace_id', 'driver'])
      table.index(['status'])
    })
  }

  async down() {
    this.schema.dropTable('channels')
  }
}
