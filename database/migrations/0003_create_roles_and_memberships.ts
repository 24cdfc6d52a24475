import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Tenant-owned tables reference their parents with composite keys
 * (workspace_id, parent_id) so the database itself refuses a link across
 * workspaces. Each parent carries a unique (workspace_id, id) for that.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('permissions', (table) => {
      table.string('key', 64).primary()
      table.string('module', 32).notNullable()
      table.string('description', 255).notNullable()
    })

    this.schema.createTable('roles', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('key', 32).nullable()
      table.string('name', 64).notNullable()
      table.string('description', 255).nullable()
      table.boolean('is_system').notNullable().defaultTo(false)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'id'])
      table.unique(['workspace_id', 'name'])
      table.unique(['workspace_id', 'key'])
    })

    this.schema.createTable('role_permissions', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('role_id').unsigned().notNullable()
      table
        .string('permission', 64)
        .notNullable()
        .references('key')
        .inTable('permissions')
        .onDelete('CASCADE')
      table
        .foreign(['workspace_id', 'role_id'])
        .references(['workspace_id', 'id'])
        .inTable('roles')
        .onDelete('CASCADE')
      table.unique(['workspace_id', 'role_id', 'permission'])
    })

    this.schema.createTable('memberships', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table
        .bigInteger('user_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('users')
        .onDelete('CASCADE')
      table.bigInteger('role_id').unsigned().notNullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.foreign(['workspace_id', 'role_id']).references(['workspace_id', 'id']).inTable('roles')
      table.unique(['workspace_id', 'user_id'])
      table.index(['user_id'])
    })

    this.schema.createTable('invitations', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('email', 254).notNullable()
      table.bigInteger('role_id').unsigned().notNullable()
      table
        .bigInteger('invited_by_id')
        .unsigned()
        .nullable()
        .references('id')
        .inTable('users')
        .onDelete('SET NULL')
      table.string('token_hash', 64).notNullable().unique()
      table.timestamp('expires_at').notNullable()
      table.timestamp('accepted_at').nullable()
      table.timestamp('revoked_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table
        .foreign(['workspace_id', 'role_id'])
        .references(['workspace_id', 'id'])
        .inTable('roles')
        .onDelete('CASCADE')
      table.index(['workspace_id', 'email'])
    })

    this.schema.createTable('notifications', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('user_id').unsigned().notNullable()
      table.string('type', 64).notNullable()
      table.text('data').notNullable()
      table.timestamp('read_at').nullable()
      table.timestamp('created_at').notNullable()
      table
        .foreign(['workspace_id', 'user_id'])
        .references(['workspace_id', 'user_id'])
        .inTable('memberships')
        .onDelete('CASCADE')
      table.index(['workspace_id', 'user_id', 'read_at'])
    })
  }

  async down() {
    this.schema.dropTable('notifications')
    this.schema.dropTable('invitations')
    this.schema.dropTable('memberships')
    this.schema.dropTable('role_permissions')
    this.schema.dropTable('roles')
    this.schema.dropTable('permissions')
  }
}
