import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Message templates and broadcast campaigns (issue 7).
 *
 * `message_templates`: one row per (WABA, name, language), Meta's shape in
 * `components`, Meta's status strings (plus DRAFT before submission).
 *
 * Campaigns: `campaigns` is the definition (audience, schedule, A/B
 * settings, live counters); a recurring campaign is a parent whose
 * occurrences are child campaigns (`parent_id`), each with its own report.
 * `campaign_variants` holds the template and variable mapping per A/B arm
 * (a plain campaign has one variant). `campaign_recipients` is the frozen
 * audience, one row per (campaign, contact): the unique key is what makes a
 * send happen at most once, and its status walks pending → sending → sent →
 * delivered → read (or failed / skipped / cancelled) with the reason kept.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('message_templates', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      // The channel whose credentials manage it; templates belong to the WABA.
      table.bigInteger('channel_id').unsigned().nullable()
      table.string('waba_id', 64).notNullable()
      table.string('meta_template_id', 64).nullable()
      table.string('name', 512).notNullable()
      table.string('language', 16).notNullable()
      // MARKETING | UTILITY | AUTHENTICATION
      table.string('category', 16).notNullable()
      // positional | named
      table.string('parameter_format', 16).notNullable().defaultTo('positional')
      // Meta's components array (HEADER, BODY, FOOTER, BUTTONS) with examples.
      table.text('components', 'longtext').notNullable()
      // DRAFT (local) or Meta's: PENDING, APPROVED, REJECTED, PAUSED, DISABLED, …
      table.string('status', 24).notNullable().defaultTo('DRAFT')
      table.string('rejected_reason', 48).nullable()
      table.text('rejection_detail').nullable()
      // GREEN | YELLOW | RED | UNKNOWN
      table.string('quality_score', 16).nullable()
      table.timestamp('paused_until').nullable()
      table.string('pause_reason', 48).nullable()
      table.timestamp('disable_date').nullable()
      // Advance notice of a recategorisation (template_category_update).
      table.string('pending_category', 16).nullable()
      table.timestamp('category_change_at').nullable()
      // JSON array of ISO times of edits made while APPROVED (Meta: 1 / 24 h, 10 / 30 days).
      table.text('approved_edits').nullable()
      table.bigInteger('created_by').unsigned().nullable()
      table.timestamp('submitted_at').nullable()
      table.timestamp('status_changed_at').nullable()
      table.timestamp('last_synced_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'waba_id', 'name', 'language'], {
        indexName: 'message_templates_name_unique',
      })
      table.index(['workspace_id', 'status', 'name'], 'message_templates_status_lookup')
      table.index(['meta_template_id'], 'message_templates_meta_id_lookup')
    })

    this.schema.createTable('campaigns', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.bigInteger('parent_id').unsigned().nullable()
      table.string('name', 160).notNullable()
      table.bigInteger('channel_id').unsigned().nullable()
      // draft | awaiting_approval | scheduled | recurring | preparing | running |
      // paused | completed | cancelled | failed
      table.string('status', 24).notNullable().defaultTo('draft')
      // { include: {segments, tags, lists, allContacts}, exclude: {segments, tags} }
      table.text('audience').notNullable()
      // Hours; null = the workspace default; 0 = no cap.
      table.integer('frequency_cap_hours').unsigned().nullable()
      table.timestamp('send_at').nullable()
      // Send at `send_at`'s wall-clock time in each contact's timezone.
      table.boolean('local_time').notNullable().defaultTo(false)
      table.string('timezone', 64).nullable()
      // { freq: daily|weekly|monthly, interval, until? } for a recurring parent.
      table.text('recurrence').nullable()
      table.timestamp('next_run_at').nullable()
      // A/B: share of the audience in the test phase (null = no test phase).
      table.integer('test_percent').unsigned().nullable()
      // read | reply
      table.string('winner_metric', 8).nullable()
      table.integer('winner_after_hours').unsigned().nullable()
      table.timestamp('winner_due_at').nullable()
      table.bigInteger('winner_variant_id').unsigned().nullable()
      // Hours after a send during which a reply is attributed to the campaign.
      table.integer('reply_window_hours').unsigned().notNullable().defaultTo(72)
      table.bigInteger('created_by').unsigned().nullable()
      table.bigInteger('approved_by').unsigned().nullable()
      table.timestamp('approved_at').nullable()
      table.timestamp('started_at').nullable()
      table.timestamp('completed_at').nullable()
      table.text('failure_reason').nullable()
      // Live counters (kept by the dispatcher and status updates).
      table.integer('total_count').unsigned().notNullable().defaultTo(0)
      table.integer('sent_count').unsigned().notNullable().defaultTo(0)
      table.integer('delivered_count').unsigned().notNullable().defaultTo(0)
      table.integer('read_count').unsigned().notNullable().defaultTo(0)
      table.integer('replied_count').unsigned().notNullable().defaultTo(0)
      table.integer('failed_count').unsigned().notNullable().defaultTo(0)
      table.integer('skipped_count').unsigned().notNullable().defaultTo(0)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['workspace_id', 'status', 'send_at'], 'campaigns_status_lookup')
      table.index(['workspace_id', 'created_at'], 'campaigns_created_lookup')
      table.index(['status', 'send_at'], 'campaigns_due_lookup')
      table.index(['status', 'next_run_at'], 'campaigns_recurring_lookup')
      table.index(['workspace_id', 'parent_id'], 'campaigns_parent_lookup')
    })

    this.schema.createTable('campaign_variants', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table
        .bigInteger('campaign_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('campaigns')
        .onDelete('CASCADE')
      // A, B, C, D, E
      table.string('label', 2).notNullable()
      table.bigInteger('template_id').unsigned().notNullable()
      // { "<component>.<variable>": {source: field|custom|text, key?, text?, fallback?} }
      table.text('variables').notNullable()
      table.integer('split_percent').unsigned().notNullable().defaultTo(100)
      table.integer('sent_count').unsigned().notNullable().defaultTo(0)
      table.integer('delivered_count').unsigned().notNullable().defaultTo(0)
      table.integer('read_count').unsigned().notNullable().defaultTo(0)
      table.integer('replied_count').unsigned().notNullable().defaultTo(0)
      table.integer('failed_count').unsigned().notNullable().defaultTo(0)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['campaign_id', 'label'], { indexName: 'campaign_variants_label_unique' })
      table.index(['workspace_id', 'template_id'], 'campaign_variants_template_lookup')
    })

    this.schema.createTable('campaign_recipients', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table
        .bigInteger('campaign_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('campaigns')
        .onDelete('CASCADE')
      table.bigInteger('contact_id').unsigned().notNullable()
      // Null until assigned (the rest of an A/B audience waits for the winner).
      table.bigInteger('variant_id').unsigned().nullable()
      // all | test | rest
      table.string('phase', 8).notNullable().defaultTo('all')
      // pending | sending | sent | delivered | read | failed | skipped | cancelled
      table.string('status', 12).notNullable().defaultTo('pending')
      // Not before this time (local-time sends, tier windows, backoffs).
      table.timestamp('due_at').nullable()
      // Who holds the send: a worker's token, set by the atomic claim.
      table.string('claim', 40).nullable()
      table.timestamp('claimed_at').nullable()
      table.integer('attempts').unsigned().notNullable().defaultTo(0)
      table.string('wamid', 128).nullable()
      table.integer('error_code').nullable()
      table.string('error_reason', 255).nullable()
      table.timestamp('sent_at').nullable()
      table.timestamp('delivered_at').nullable()
      table.timestamp('read_at').nullable()
      table.timestamp('replied_at').nullable()
      table.timestamp('failed_at').nullable()
      table.unique(['campaign_id', 'contact_id'], { indexName: 'campaign_recipients_unique' })
      table.index(['campaign_id', 'status', 'due_at', 'id'], 'campaign_recipients_dispatch')
      table.index(['workspace_id', 'contact_id', 'sent_at'], 'campaign_recipients_contact_lookup')
      table.index(['wamid'], 'campaign_recipients_wamid_lookup')
    })

    // Contacts from an uploaded list, kept for the campaign's audience.
    this.schema.createTable('campaign_list_members', (table) => {
      table.bigInteger('workspace_id').unsigned().notNullable()
      table
        .bigInteger('campaign_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('campaigns')
        .onDelete('CASCADE')
      table.bigInteger('contact_id').unsigned().notNullable()
      table.primary(['campaign_id', 'contact_id'])
    })
  }

  async down() {
    this.schema.dropTable('campaign_list_members')
    this.schema.dropTable('campaign_recipients')
    this.schema.dropTable('campaign_variants')
    this.schema.dropTable('campaigns')
    this.schema.dropTable('message_templates')
  }
}
