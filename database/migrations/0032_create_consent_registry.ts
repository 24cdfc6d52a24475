import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The consent registry (issue 6 §2): an append-only log of opt-in and
 * opt-out events per contact, from which the current status is derived,
 * and the STOP/START keywords each workspace answers to, per language.
 * `workspaces.default_country` already exists (0001) for phone numbers.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('consent_events', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('contact_id').unsigned().notNullable()
      table.string('event', 8).notNullable()
      table.string('channel', 16).notNullable().defaultTo('whatsapp')
      table.string('scope', 16).notNullable()
      table.string('source', 32).notNullable()
      table.text('proof_text').nullable()
      table.string('proof_ip', 45).nullable()
      table.integer('proof_file_row').unsigned().nullable()
      // The inbound (keyword) or outbound (error 131050) message behind the event.
      table.bigInteger('message_id').unsigned().nullable()
      table.bigInteger('actor_id').unsigned().nullable()
      // Makes replays harmless: one event per keyword message, per failed send, per Meta notice.
      table.string('dedupe_key', 191).nullable()
      table.timestamp('occurred_at').notNullable()
      table.timestamp('created_at').notNullable()
      table
        .foreign(['workspace_id', 'contact_id'])
        .references(['workspace_id', 'id'])
        .inTable('contacts')
        .onDelete('CASCADE')
      table.foreign('actor_id').references('id').inTable('users').onDelete('SET NULL')
      table.unique(['workspace_id', 'dedupe_key'])
      table.index(
        ['workspace_id', 'contact_id', 'channel', 'scope', 'occurred_at'],
        'consent_events_status_lookup'
      )
    })

    this.schema.createTable('consent_keywords', (table) => {
      table.bigIncrements('id')
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('locale', 16).notNullable()
      table.text('opt_out_keywords').notNullable()
      table.text('opt_in_keywords').notNullable()
      table.string('opt_out_reply', 1000).notNullable()
      table.string('opt_in_reply', 1000).notNullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'locale'])
    })
  }

  async down() {
    this.schema.dropTable('consent_keywords')
    this.schema.dropTable('consent_events')
  }
}
