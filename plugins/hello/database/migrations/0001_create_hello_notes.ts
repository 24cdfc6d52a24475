import { PluginSchema } from '#sdk/migrations'

export default class extends PluginSchema {
  static pluginId = 'hello'

  async up() {
    this.schema.createTable('hello_notes', (table) => {
      table.bigIncrements('id')
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('body', 500).notNullable()
      table.timestamp('created_at').notNullable()
      table.index(['workspace_id', 'id'])
    })
  }

  async down() {
    this.schema.dropTable('hello_notes')
  }
}
