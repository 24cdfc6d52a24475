import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * `webhook_events` becomes its own work queue (see
 * app/channels/webhooks/ingestor.ts): a delivery is due at `available_at`
 * (epoch ms; later for a retry) and a worker leases it with `claimed_by`
 * until `claimed_until` (epoch ms).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('webhook_events', (table) => {
      table.bigInteger('available_at').notNullable().defaultTo(0)
      table.string('claimed_by', 96).nullable()
      table.bigInteger('claimed_until').nullable()
      table.index(['status', 'available_at', 'id'])
      table.index(['claimed_by'])
    })
  }

  async down() {
    this.schema.alterTable('webhook_events', (table) => {
      table.dropIndex(['claimed_by'])
      table.dropIndex(['status', 'available_at', 'id'])
      table.dropColumn('claimed_until')
      table.dropColumn('claimed_by')
      table.dropColumn('available_at')
    })
  }
}
