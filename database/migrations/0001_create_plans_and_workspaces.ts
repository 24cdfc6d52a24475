import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('plans', (table) => {
      table.bigIncrements('id')
      table.string('slug', 64).notNullable().unique()
      table.string('name', 120).notNullable()
      table.boolean('is_trial').notNullable().defaultTo(false)
      table.text('features').notNullable()
      table.integer('max_members').unsigned().nullable()
      table.integer('max_channels').unsigned().nullable()
      table.integer('max_contacts').unsigned().nullable()
      table.integer('max_messages_per_month').unsigned().nullable()
      table.integer('max_storage_mb').unsigned().nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
    })

    this.schema.createTable('workspaces', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table.string('name', 120).notNullable()
      table.string('slug', 64).notNullable().unique()
      table.string('status', 16).notNullable().defaultTo('trial')
      table.string('locale', 16).notNullable().defaultTo('en')
      table.string('timezone', 64).notNullable().defaultTo('UTC')
      table.string('default_country', 2).nullable()
      table.bigInteger('plan_id').unsigned().notNullable().references('id').inTable('plans')
      table.timestamp('trial_ends_at').nullable()
      table.timestamp('suspended_at').nullable()
      table.string('suspension_reason', 255).nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['status'])
    })
  }

  async down() {
    this.schema.dropTable('workspaces')
    this.schema.dropTable('plans')
  }
}
