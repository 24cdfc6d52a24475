import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('tags', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('name', 64).notNullable()
      table.string('color', 16).notNullable().defaultTo('slate')
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'id'])
      table.unique(['workspace_id', 'name'])
    })

    this.schema.createTable('business_hours', (table) => {
      table.bigIncrements('id')
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.tinyint('weekday').unsigned().notNullable()
      table.string('opens_at', 5).notNullable()
      table.string('closes_at', 5).notNullable()
      table.index(['workspace_id', 'weekday'])
    })
  }

  async down() {
    this.schema.dropTable('business_hours')
    this.schema.dropTable('tags')
  }
}
