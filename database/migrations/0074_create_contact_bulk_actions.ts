import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Bulk actions on every contact a filter matches run as a background job
 * (a workspace may hold millions of contacts); this row is their status
 * and progress, shown on the contacts list.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('contact_bulk_actions', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.bigInteger('user_id').unsigned().nullable()
      // tag | untag | set_field | opt_out | delete
      table.string('action', 16).notNullable()
      // JSON: { definition, tag?, field?, value? }
      table.text('params').notNullable()
      // queued | running | completed | failed
      table.string('status', 16).notNullable().defaultTo('queued')
      table.integer('total').unsigned().nullable()
      table.integer('processed').unsigned().notNullable().defaultTo(0)
      table.integer('affected').unsigned().notNullable().defaultTo(0)
      table.string('failure', 500).nullable()
      table.timestamp('finished_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.foreign('user_id').references('id').inTable('users').onDelete('SET NULL')
      table.index(['workspace_id', 'created_at'])
    })
  }

  async down() {
    this.schema.dropTable('contact_bulk_actions')
  }
}
