import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The two levels of plugin enablement.
 * - plugin_installs: platform state per plugin (the super admin may
 *   disable one). Platform table; a plugin with no row is enabled.
 * - plugin_activations: per workspace, with that workspace's settings for
 *   the plugin (JSON, secret fields encrypted). Tenant-owned.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('plugin_installs', (table) => {
      table.bigIncrements('id')
      table.string('plugin_id', 64).notNullable().unique()
      table.boolean('enabled').notNullable().defaultTo(true)
      table.string('disabled_reason', 255).nullable()
      table.bigInteger('changed_by').unsigned().nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
    })

    this.schema.createTable('plugin_activations', (table) => {
      table.bigIncrements('id')
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('plugin_id', 64).notNullable()
      table.boolean('active').notNullable().defaultTo(false)
      table.text('settings').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'plugin_id'])
      table.index(['plugin_id', 'active'])
    })
  }

  async down() {
    this.schema.dropTable('plugin_activations')
    this.schema.dropTable('plugin_installs')
  }
}
