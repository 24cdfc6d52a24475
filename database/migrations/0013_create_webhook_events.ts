import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Every webhook POST that passed the signature check is kept here before
 * Parley answers 200 (Meta offers no way to fetch a missed delivery).
 * Platform table: the tenant is only known after routing.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('webhook_events', (table) => {
      table.bigIncrements('id')
      table.string('source', 16).notNullable()
      table.string('channel_key', 32).nullable()
      // pending → processed | failed; malformed (kept for inspection, not processed)
      table.string('status', 16).notNullable()
      table.text('raw_body', 'longtext').notNullable()
      table.integer('updates').unsigned().notNullable().defaultTo(0)
      table.string('error', 1000).nullable()
      table.integer('attempts').unsigned().notNullable().defaultTo(0)
      table.timestamp('received_at').notNullable()
      table.timestamp('processed_at').nullable()
      table.index(['status', 'id'])
      table.index(['received_at'])
    })

    this.schema.createTable('webhook_counters', (table) => {
      table.string('day', 10).notNullable()
      table.string('source', 16).notNullable()
      table.string('reason', 32).notNullable()
      table.integer('count').unsigned().notNullable().defaultTo(0)
      table.primary(['day', 'source', 'reason'])
    })

    // Numbers Meta sends us that no channel claims: recorded, not dropped.
    this.schema.createTable('unrouted_numbers', (table) => {
      table.string('phone_number_id', 64).primary()
      table.string('display_phone_number', 32).nullable()
      table.bigInteger('last_event_id').unsigned().nullable()
      table.integer('updates').unsigned().notNullable().defaultTo(0)
      table.timestamp('first_seen_at').notNullable()
      table.timestamp('last_seen_at').notNullable()
    })
  }

  async down() {
    this.schema.dropTable('unrouted_numbers')
    this.schema.dropTable('webhook_counters')
    this.schema.dropTable('webhook_events')
  }
}
