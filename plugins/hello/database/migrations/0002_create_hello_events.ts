import { PluginSchema } from '#sdk/migrations'

/** What the plugin's listener saw: one row per inbound message. */
export default class extends PluginSchema {
  static pluginId = 'hello'

  async up() {
    this.schema.createTable('hello_events', (table) => {
      table.bigIncrements('id')
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('event', 64).notNullable()
      table.bigInteger('message_id').unsigned().notNullable()
      table.timestamp('created_at').notNullable()
      table.index(['workspace_id', 'id'])
    })
  }

  async down() {
    this.schema.dropTable('hello_events')
  }
}
