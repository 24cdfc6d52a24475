import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The contacts CRM (issue 6): standard fields and engagement counters on
 * `contacts`, typed custom fields, notes, the per-contact timeline of
 * events (field changes, merges, custom events recorded through the API),
 * saved segments, and the import/export jobs.
 *
 * Custom field values live in `contact_field_values`, one row per contact
 * and field, in a column of the field's type, under one index
 * `(workspace_id, field_id, value_text, value_number, value_date,
 * value_bool, contact_id)`, so a segment condition on a custom field is an
 * index range, never a JSON scan.
 *
 * `contacts.phone` becomes unique per workspace (E.164): an import or an
 * inbound message with a known number finds that contact instead of
 * creating a second one. NULLs stay allowed (BSUID-only contacts).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('contacts', (table) => {
      table.string('email', 254).nullable()
      table.string('locale', 16).nullable()
      table.string('timezone', 64).nullable()
      table.string('country', 2).nullable()
      // manual | inbound | import | api | widget | merge
      table.string('source', 16).notNullable().defaultTo('inbound')
      // Linked identity from QR (Baileys) channels.
      table.string('lid', 64).nullable()
      table.timestamp('last_seen_at').nullable()
      table.timestamp('last_outbound_at').nullable()
      table.integer('messages_in').unsigned().notNullable().defaultTo(0)
      table.integer('messages_out').unsigned().notNullable().defaultTo(0)
      table.integer('campaigns_received').unsigned().notNullable().defaultTo(0)
      table.integer('campaigns_read').unsigned().notNullable().defaultTo(0)
      table.integer('campaigns_replied').unsigned().notNullable().defaultTo(0)
      // Set by a GDPR erasure; the row stays so aggregates keep adding up.
      table.timestamp('erased_at').nullable()
      table.dropIndex(['workspace_id', 'phone'], 'contacts_phone_lookup')
      table.unique(['workspace_id', 'phone'], { indexName: 'contacts_workspace_phone_unique' })
      table.unique(['workspace_id', 'lid'], { indexName: 'contacts_workspace_lid_unique' })
      table.index(['workspace_id', 'email'], 'contacts_email_lookup')
      table.index(['workspace_id', 'created_at'], 'contacts_created_lookup')
      table.index(['workspace_id', 'last_inbound_at'], 'contacts_last_inbound_lookup')
      table.index(['workspace_id', 'country'], 'contacts_country_lookup')
      table.index(['workspace_id', 'messages_in'], 'contacts_messages_in_lookup')
    })

    this.schema.createTable('custom_fields', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      // Stable machine name used in imports, segments, the API and {{contact.<key>}}.
      table.string('key', 48).notNullable()
      table.string('label', 80).notNullable()
      // text | number | date | dropdown | checkbox
      table.string('type', 16).notNullable()
      // JSON array of strings, for dropdowns.
      table.text('options').nullable()
      table.boolean('required').notNullable().defaultTo(false)
      table.integer('position').unsigned().notNullable().defaultTo(0)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'id'])
      table.unique(['workspace_id', 'key'])
    })

    this.schema.createTable('contact_field_values', (table) => {
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('contact_id').unsigned().notNullable()
      table.bigInteger('field_id').unsigned().notNullable()
      // text and dropdown values (checked against the options)
      table.string('value_text', 255).nullable()
      table.double('value_number').nullable()
      // ISO date, YYYY-MM-DD (a calendar date, not an instant)
      table.date('value_date').nullable()
      table.boolean('value_bool').nullable()
      table.timestamp('updated_at').notNullable()
      // One value per contact and field; clustered by contact on InnoDB.
      table.primary(['workspace_id', 'contact_id', 'field_id'])
      table
        .foreign(['workspace_id', 'contact_id'])
        .references(['workspace_id', 'id'])
        .inTable('contacts')
        .onDelete('CASCADE')
      table
        .foreign(['workspace_id', 'field_id'])
        .references(['workspace_id', 'id'])
        .inTable('custom_fields')
        .onDelete('CASCADE')
      /*
       * One index serves every type: a field's value sits in one typed
       * column and the others are NULL, so a condition on a number field
       * reads `value_text IS NULL AND value_number > ?`, an index range
       * (app/contacts/segments/compile.ts writes those prefixes). One
       * index instead of one per type keeps imports' index writes down.
       */
      table.index(
        [
          'workspace_id',
          'field_id',
          'value_text',
          'value_number',
          'value_date',
          'value_bool',
          'contact_id',
        ],
        'cfv_value_lookup'
      )
    })

    this.schema.createTable('contact_notes', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('contact_id').unsigned().notNullable()
      table.bigInteger('author_id').unsigned().nullable()
      table.text('body').notNullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table
        .foreign(['workspace_id', 'contact_id'])
        .references(['workspace_id', 'id'])
        .inTable('contacts')
        .onDelete('CASCADE')
      table.foreign('author_id').references('id').inTable('users').onDelete('SET NULL')
      table.index(['workspace_id', 'contact_id', 'created_at'])
    })

    /**
     * The timeline's own events. Messages, notes and consent events are
     * read from their tables; this holds the rest: field changes
     * (`field_changed`), merges (`merged`), imports (`imported`), campaign
     * events (`campaign_*`, issue 7) and custom events recorded through
     * the API (`custom`, with `name`).
     */
    this.schema.createTable('contact_events', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('contact_id').unsigned().notNullable()
      table.string('kind', 32).notNullable()
      // The custom event's name (kind `custom`), or the changed field's key.
      table.string('name', 64).nullable()
      table.text('data').nullable()
      table.bigInteger('actor_id').unsigned().nullable()
      table.timestamp('occurred_at').notNullable()
      table
        .foreign(['workspace_id', 'contact_id'])
        .references(['workspace_id', 'id'])
        .inTable('contacts')
        .onDelete('CASCADE')
      table.foreign('actor_id').references('id').inTable('users').onDelete('SET NULL')
      table.index(['workspace_id', 'contact_id', 'occurred_at'], 'contact_events_timeline')
      table.index(
        ['workspace_id', 'kind', 'name', 'occurred_at', 'contact_id'],
        'contact_events_by_name'
      )
    })

    this.schema.createTable('segments', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('name', 120).notNullable()
      table.string('description', 500).nullable()
      // The definition (JSON), see app/contacts/segments/types.ts.
      table.text('definition').notNullable()
      table.bigInteger('created_by').unsigned().nullable()
      table.integer('last_count').unsigned().nullable()
      table.timestamp('last_counted_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.foreign('created_by').references('id').inTable('users').onDelete('SET NULL')
      table.unique(['workspace_id', 'id'])
      table.unique(['workspace_id', 'name'])
    })

    this.schema.createTable('contact_imports', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.bigInteger('user_id').unsigned().nullable()
      table.string('file_name', 255).notNullable()
      // Relative to the imports storage directory.
      table.string('file_path', 255).notNullable()
      table.string('format', 8).notNullable()
      table.bigInteger('file_size').unsigned().notNullable()
      // uploaded | queued | running | completed | failed | cancelled
      table.string('status', 16).notNullable().defaultTo('uploaded')
      // JSON: detected headers and sample rows.
      table.text('preview').nullable()
      // JSON: column index -> target (standard field, custom field key, consent, ignore).
      table.text('mapping').nullable()
      // JSON: defaultCountry, onExisting (update | skip), tags, consentSource…
      table.text('options').nullable()
      table.integer('total_rows').unsigned().nullable()
      // Rows committed so far: a resumed job skips exactly these.
      table.integer('processed_rows').unsigned().notNullable().defaultTo(0)
      table.integer('created_count').unsigned().notNullable().defaultTo(0)
      table.integer('updated_count').unsigned().notNullable().defaultTo(0)
      table.integer('skipped_count').unsigned().notNullable().defaultTo(0)
      table.integer('error_count').unsigned().notNullable().defaultTo(0)
      table.string('failure', 500).nullable()
      table.timestamp('started_at').nullable()
      table.timestamp('finished_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.foreign('user_id').references('id').inTable('users').onDelete('SET NULL')
      table.unique(['workspace_id', 'id'])
      table.index(['workspace_id', 'created_at'])
    })

    this.schema.createTable('contact_import_errors', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('import_id').unsigned().notNullable()
      // 1-based data row (the header is row 0) and the column's header.
      table.integer('row_number').unsigned().notNullable()
      table.string('column_name', 120).nullable()
      table.string('reason', 255).notNullable()
      table
        .foreign(['workspace_id', 'import_id'])
        .references(['workspace_id', 'id'])
        .inTable('contact_imports')
        .onDelete('CASCADE')
      table.index(['workspace_id', 'import_id', 'row_number'])
    })

    /**
     * Exports: a filtered list or segment to CSV (`csv`), one contact's
     * data (`contact`, JSON + media zip) and the whole workspace
     * (`workspace`). Files are offered through signed, expiring links.
     */
    this.schema.createTable('contact_exports', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.bigInteger('user_id').unsigned().nullable()
      table.string('kind', 16).notNullable()
      // JSON: { segment?, definition?, contact?, columns? }
      table.text('params').nullable()
      // queued | running | completed | failed
      table.string('status', 16).notNullable().defaultTo('queued')
      table.integer('total_rows').unsigned().nullable()
      table.integer('processed_rows').unsigned().notNullable().defaultTo(0)
      table.string('file_path', 255).nullable()
      table.bigInteger('file_size').unsigned().nullable()
      table.string('failure', 500).nullable()
      table.timestamp('expires_at').nullable()
      table.timestamp('finished_at').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.foreign('user_id').references('id').inTable('users').onDelete('SET NULL')
      table.unique(['workspace_id', 'id'])
      table.index(['workspace_id', 'created_at'])
    })
  }

  async down() {
    this.schema.dropTable('contact_exports')
    this.schema.dropTable('contact_import_errors')
    this.schema.dropTable('contact_imports')
    this.schema.dropTable('segments')
    this.schema.dropTable('contact_events')
    this.schema.dropTable('contact_notes')
    this.schema.dropTable('contact_field_values')
    this.schema.dropTable('custom_fields')
    this.schema.alterTable('contacts', (table) => {
      table.dropUnique(['workspace_id', 'lid'], 'contacts_workspace_lid_unique')
      table.dropUnique(['workspace_id', 'phone'], 'contacts_workspace_phone_unique')
      table.dropIndex(['workspace_id', 'email'], 'contacts_email_lookup')
      table.dropIndex(['workspace_id', 'created_at'], 'contacts_created_lookup')
      table.dropIndex(['workspace_id', 'last_inbound_at'], 'contacts_last_inbound_lookup')
      table.dropIndex(['workspace_id', 'country'], 'contacts_country_lookup')
      table.dropIndex(['workspace_id', 'messages_in'], 'contacts_messages_in_lookup')
      table.index(['workspace_id', 'phone'], 'contacts_phone_lookup')
      table.dropColumns(
        'email',
        'locale',
        'timezone',
        'country',
        'source',
        'lid',
        'last_seen_at',
        'last_outbound_at',
        'messages_in',
        'messages_out',
        'campaigns_received',
        'campaigns_read',
        'campaigns_replied',
        'erased_at'
      )
    })
  }
}
