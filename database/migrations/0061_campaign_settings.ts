import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Campaign settings of a workspace (issue 7 §2), one row per workspace,
 * created on first save; a workspace without a row uses the defaults:
 *
 * - `approval_required`: a Marketing member's "Send" waits for a Manager
 *   (or an Admin/Owner) to approve it;
 * - `frequency_cap_hours`: a contact who received a marketing campaign in
 *   the last N hours is skipped (0 = no cap); a campaign can override it;
 * - `reply_window_hours`: a reply within N hours of a campaign send is
 *   attributed to that campaign (copied onto each new campaign).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('campaign_settings', (table) => {
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .primary()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.boolean('approval_required').notNullable().defaultTo(false)
      table.integer('frequency_cap_hours').unsigned().notNullable().defaultTo(24)
      table.integer('reply_window_hours').unsigned().notNullable().defaultTo(72)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
    })
  }

  async down() {
    this.schema.dropTable('campaign_settings')
  }
}
