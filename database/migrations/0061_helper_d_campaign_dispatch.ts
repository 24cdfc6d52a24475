import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Campaign dispatch (issue 7 §2): the database store of the channel pacer
 * and why a running campaign is waiting.
 *
 * `channel_pacer`: one row per pacing key (a channel), holding the next
 * free send slot in microseconds since the epoch (GCRA's "theoretical
 * arrival time"). Installs without Redis reserve slots here in a short
 * transaction; with Redis the same algorithm runs in a Lua script.
 *
 * `campaigns.waiting_reason` / `waiting_until`: set while a running
 * campaign holds its sends (messaging_limit, spam_limit, circuit_open) and
 * until when, for the progress view; cleared when sending resumes.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('channel_pacer', (table) => {
      table.string('key', 128).primary()
      table.bigInteger('tat_us').notNullable().defaultTo(0)
    })
    this.schema.alterTable('campaigns', (table) => {
      table.string('waiting_reason', 32).nullable()
      table.timestamp('waiting_until').nullable()
    })
  }

  async down() {
    this.schema.alterTable('campaigns', (table) => {
      table.dropColumn('waiting_reason')
      table.dropColumn('waiting_until')
    })
    this.schema.dropTable('channel_pacer')
  }
}
