import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The inbox core: contacts (keyed by the business-scoped user id when
 * Meta sends one, else by wa_id), conversations and messages. A message
 * is unique per workspace on the provider's message id, so redelivered
 * webhooks change nothing.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('contacts', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('wa_id', 32).nullable()
      table.string('bsuid', 64).nullable()
      table.string('phone', 32).nullable()
      table.string('name', 160).nullable()
      table.string('profile_name', 160).nullable()
      table.timestamp('last_inbound_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'id'])
      table.unique(['workspace_id', 'wa_id'])
      table.unique(['workspace_id', 'bsuid'])
    })

    this.schema.createTable('conversations', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('contact_id').unsigned().notNullable()
      table.bigInteger('channel_id').unsigned().notNullable()
      table.string('status', 16).notNullable().defaultTo('open')
      table.integer('unread_count').unsigned().notNullable().defaultTo(0)
      table.timestamp('last_message_at').nullable()
      // Opens/refreshes the 24-hour customer service window.
      table.timestamp('last_inbound_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table
        .foreign(['workspace_id', 'contact_id'])
        .references(['workspace_id', 'id'])
        .inTable('contacts')
        .onDelete('CASCADE')
      table
        .foreign(['workspace_id', 'channel_id'])
        .references(['workspace_id', 'id'])
        .inTable('channels')
        .onDelete('CASCADE')
      table.unique(['workspace_id', 'id'])
      table.index(['workspace_id', 'status', 'last_message_at'])
      table.index(['workspace_id', 'contact_id', 'channel_id'])
    })

    this.schema.createTable('messages', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('conversation_id').unsigned().notNullable()
      table.bigInteger('channel_id').unsigned().notNullable()
      table.string('direction', 8).notNullable()
      table.string('provider_message_id', 128).nullable()
      table.string('type', 24).notNullable()
      table.text('body').nullable()
      table.text('payload').nullable()
      table.string('status', 16).notNullable()
      table.string('reply_to_provider_id', 128).nullable()
      table.string('media_path', 255).nullable()
      table.string('media_mime', 128).nullable()
      table.integer('error_code').nullable()
      table.string('error_title', 255).nullable()
      table.string('error_message', 1000).nullable()
      table.integer('attempts').unsigned().notNullable().defaultTo(0)
      table.bigInteger('sent_by_id').unsigned().nullable()
      table.timestamp('provider_timestamp').nullable()
      table.timestamp('sent_at').nullable()
      table.timestamp('delivered_at').nullable()
      table.timestamp('read_at').nullable()
      table.timestamp('failed_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table
        .foreign(['workspace_id', 'conversation_id'])
        .references(['workspace_id', 'id'])
        .inTable('conversations')
        .onDelete('CASCADE')
      table.unique(['workspace_id', 'provider_message_id'])
      table.index(['workspace_id', 'conversation_id', 'id'])
    })
  }

  async down() {
    this.schema.dropTable('messages')
    this.schema.dropTable('conversations')
    this.schema.dropTable('contacts')
  }
}
