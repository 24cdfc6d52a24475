import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The shared team inbox (issue 5): assignment, teams, agent availability,
 * routing and assignment rules, conversation tags, saved replies and
 * filters, scheduled messages, business hours per channel with holidays,
 * away and greeting messages, and the per-conversation metrics the
 * analytics module reports.
 *
 * Internal notes are rows of `messages` with direction `note`: they sit in
 * the thread in order, are never handed to a driver and never count as
 * unread.
 *
 * `conversations.assignee_id` and `team_id` have no foreign keys: a
 * composite key `(workspace_id, …)` cannot be SET NULL on MySQL without
 * nulling workspace_id. Removing a member unassigns their conversations,
 * and deleting a team clears it from its conversations, in code.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('teams', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('name', 80).notNullable()
      // Reassign a member's open conversations when they go away or offline.
      table.boolean('reassign_on_away').notNullable().defaultTo(true)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.unique(['workspace_id', 'id'])
      table.unique(['workspace_id', 'name'])
    })

    this.schema.createTable('team_members', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('team_id').unsigned().notNullable()
      table.bigInteger('user_id').unsigned().notNullable()
      table.timestamp('created_at').notNullable()
      table
        .foreign(['workspace_id', 'team_id'])
        .references(['workspace_id', 'id'])
        .inTable('teams')
        .onDelete('CASCADE')
      table
        .foreign(['workspace_id', 'user_id'])
        .references(['workspace_id', 'user_id'])
        .inTable('memberships')
        .onDelete('CASCADE')
      table.unique(['workspace_id', 'team_id', 'user_id'])
      table.index(['workspace_id', 'user_id'])
    })

    this.schema.createTable('agent_profiles', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('user_id').unsigned().notNullable()
      // online | away | busy | offline
      table.string('availability', 16).notNullable().defaultTo('offline')
      table.timestamp('availability_changed_at').nullable()
      table.timestamp('last_activity_at').nullable()
      // Null: no limit on concurrently open assigned conversations.
      table.integer('max_open_conversations').unsigned().nullable()
      // JSON list of skills (languages, tags) matched by skills-based rules.
      table.text('skills').nullable()
      table.boolean('is_senior').notNullable().defaultTo(false)
      table.timestamp('last_assigned_at').nullable()
      table.boolean('notify_desktop').notNullable().defaultTo(true)
      table.boolean('notify_sound').notNullable().defaultTo(true)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table
        .foreign(['workspace_id', 'user_id'])
        .references(['workspace_id', 'user_id'])
        .inTable('memberships')
        .onDelete('CASCADE')
      table.unique(['workspace_id', 'user_id'])
      table.index(['workspace_id', 'availability'])
    })

    this.schema.alterTable('workspaces', (table) => {
      // Never below 12 (enforced by the validator and the purge job).
      table.integer('retention_months').unsigned().notNullable().defaultTo(24)
      // Minutes without activity before an online agent becomes away; 0 = never.
      table.integer('auto_away_minutes').unsigned().notNullable().defaultTo(15)
    })

    this.schema.alterTable('conversations', (table) => {
      table.bigInteger('assignee_id').unsigned().nullable()
      table.bigInteger('team_id').unsigned().nullable()
      // 0 none, 1 low, 2 medium, 3 high, 4 urgent
      table.tinyint('priority').unsigned().notNullable().defaultTo(0)
      table.timestamp('snoozed_until').nullable()
      // Denormalised for the list: the last message's text and direction.
      table.string('last_message_preview', 255).nullable()
      table.string('last_message_direction', 8).nullable()
      // Detected or set language (skills routing).
      table.string('language', 16).nullable()
      // Set while the conversation waits in the assignment queue.
      table.timestamp('waiting_since').nullable()
      // Agent metrics (analytics reads them).
      table.timestamp('first_response_at').nullable()
      table.integer('first_response_seconds').unsigned().nullable()
      table.timestamp('resolved_at').nullable()
      table.integer('resolution_seconds').unsigned().nullable()
      table.integer('agent_reply_count').unsigned().notNullable().defaultTo(0)
      table.integer('reopen_count').unsigned().notNullable().defaultTo(0)
      // Away/greeting bookkeeping: the closed period an away message was sent for.
      table.string('away_sent_period', 40).nullable()
      table.timestamp('greeting_sent_at').nullable()
      table.index(
        ['workspace_id', 'assignee_id', 'status', 'last_message_at'],
        'conversations_assignee_list'
      )
      table.index(
        ['workspace_id', 'team_id', 'status', 'last_message_at'],
        'conversations_team_list'
      )
      table.index(['workspace_id', 'last_message_at'], 'conversations_all_list')
      table.index(['workspace_id', 'waiting_since'], 'conversations_waiting')
      table.index(['status', 'snoozed_until'], 'conversations_snoozed_due')
    })

    this.schema.alterTable('contacts', (table) => {
      table.index(['workspace_id', 'name'], 'contacts_name_lookup')
      table.index(['workspace_id', 'phone'], 'contacts_phone_lookup')
    })

    const pivot = (name: string, parent: 'conversations' | 'contacts', column: string) =>
      this.schema.createTable(name, (table) => {
        table.bigIncrements('id')
        table.bigInteger('workspace_id').unsigned().notNullable()
        table.bigInteger(column).unsigned().notNullable()
        table.bigInteger('tag_id').unsigned().notNullable()
        table.timestamp('created_at').notNullable()
        table
          .foreign(['workspace_id', column])
          .references(['workspace_id', 'id'])
          .inTable(parent)
          .onDelete('CASCADE')
        table
          .foreign(['workspace_id', 'tag_id'])
          .references(['workspace_id', 'id'])
          .inTable('tags')
          .onDelete('CASCADE')
        table.unique(['workspace_id', column, 'tag_id'])
        table.index(['workspace_id', 'tag_id', column])
      })
    pivot('conversation_tags', 'conversations', 'conversation_id')
    pivot('contact_tags', 'contacts', 'contact_id')

    this.schema.alterTable('tags', (table) => {
      // Predefined tags are seeded per workspace and can be renamed but are marked.
      table.boolean('is_predefined').notNullable().defaultTo(false)
    })

    this.schema.createTable('assignment_events', (table) => {
      table.bigIncrements('id')
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('conversation_id').unsigned().notNullable()
      table.bigInteger('from_user_id').unsigned().nullable()
      table.bigInteger('to_user_id').unsigned().nullable()
      table.bigInteger('from_team_id').unsigned().nullable()
      table.bigInteger('to_team_id').unsigned().nullable()
      // Null when a rule or the system acted.
      table.bigInteger('actor_id').unsigned().nullable()
      // manual | transfer | rule | queue | reassign_away | unassign | member_removed
      table.string('reason', 24).notNullable()
      table.string('rule_name', 120).nullable()
      table.string('note', 1000).nullable()
      table.timestamp('created_at').notNullable()
      table
        .foreign(['workspace_id', 'conversation_id'])
        .references(['workspace_id', 'id'])
        .inTable('conversations')
        .onDelete('CASCADE')
      table.index(['workspace_id', 'conversation_id', 'id'])
      table.index(['workspace_id', 'to_user_id', 'created_at'])
    })

    this.schema.createTable('assignment_rules', (table) => {
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
      table.integer('position').unsigned().notNullable().defaultTo(0)
      table.boolean('enabled').notNullable().defaultTo(true)
      // Scope: conversations on this channel and/or of this team (null = any).
      table.bigInteger('channel_id').unsigned().nullable()
      table.bigInteger('team_id').unsigned().nullable()
      // round_robin | least_loaded | skills | vip
      table.string('strategy', 24).notNullable()
      // JSON: strategy options (vip tag names, seniors only…).
      table.text('options').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['workspace_id', 'position'])
    })

    this.schema.createTable('routing_rules', (table) => {
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
      table.integer('position').unsigned().notNullable().defaultTo(0)
      table.boolean('enabled').notNullable().defaultTo(true)
      // Conditions (all given ones must match): JSON keyword list, channel.
      table.text('keywords').nullable()
      table.bigInteger('channel_id').unsigned().nullable()
      // Actions
      table.bigInteger('set_team_id').unsigned().nullable()
      table.tinyint('set_priority').unsigned().nullable()
      table.text('add_tag_ids').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['workspace_id', 'position'])
    })

    this.schema.createTable('saved_replies', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.string('shortcut', 40).notNullable()
      table.string('title', 120).notNullable()
      table.text('body').notNullable()
      table.string('category', 64).nullable()
      // Personal when owner_id is set; shared with a team when team_id is set; else workspace-wide.
      table.bigInteger('owner_id').unsigned().nullable()
      table.bigInteger('team_id').unsigned().nullable()
      table.integer('usage_count').unsigned().notNullable().defaultTo(0)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['workspace_id', 'shortcut'])
    })

    this.schema.createTable('saved_filters', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('user_id').unsigned().notNullable()
      table.string('name', 80).notNullable()
      table.text('filters').notNullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table
        .foreign(['workspace_id', 'user_id'])
        .references(['workspace_id', 'user_id'])
        .inTable('memberships')
        .onDelete('CASCADE')
      table.index(['workspace_id', 'user_id'])
    })

    this.schema.createTable('scheduled_messages', (table) => {
      table.bigIncrements('id')
      table.string('public_id', 26).notNullable().unique()
      table.bigInteger('workspace_id').unsigned().notNullable()
      table.bigInteger('conversation_id').unsigned().notNullable()
      table.bigInteger('created_by_id').unsigned().nullable()
      table.text('body').notNullable()
      table.timestamp('send_at').notNullable()
      table.string('timezone', 64).notNullable()
      // scheduled | sending | sent | failed | cancelled
      table.string('status', 16).notNullable().defaultTo('scheduled')
      table.bigInteger('message_id').unsigned().nullable()
      table.string('error', 1000).nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table
        .foreign(['workspace_id', 'conversation_id'])
        .references(['workspace_id', 'id'])
        .inTable('conversations')
        .onDelete('CASCADE')
      table.index(['status', 'send_at'])
      table.index(['workspace_id', 'conversation_id', 'send_at'])
    })

    this.schema.alterTable('business_hours', (table) => {
      // Null: the workspace's hours; set: that channel's own hours.
      table.bigInteger('channel_id').unsigned().nullable()
    })

    this.schema.createTable('holidays', (table) => {
      table.bigIncrements('id')
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.bigInteger('channel_id').unsigned().nullable()
      // YYYY-MM-DD in the workspace's time zone
      table.string('date', 10).notNullable()
      table.string('name', 120).notNullable()
      table.index(['workspace_id', 'date'])
    })

    this.schema.createTable('auto_replies', (table) => {
      table.bigIncrements('id')
      table
        .bigInteger('workspace_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('workspaces')
        .onDelete('CASCADE')
      table.bigInteger('channel_id').unsigned().nullable()
      // away | greeting
      table.string('kind', 16).notNullable()
      table.string('locale', 16).notNullable()
      table.text('body').notNullable()
      table.boolean('enabled').notNullable().defaultTo(true)
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      table.index(['workspace_id', 'kind'])
    })
  }

  async down() {
    this.schema.dropTable('auto_replies')
    this.schema.dropTable('holidays')
    this.schema.alterTable('business_hours', (table) => table.dropColumn('channel_id'))
    this.schema.dropTable('scheduled_messages')
    this.schema.dropTable('saved_filters')
    this.schema.dropTable('saved_replies')
    this.schema.dropTable('routing_rules')
    this.schema.dropTable('assignment_rules')
    this.schema.dropTable('assignment_events')
    this.schema.alterTable('tags', (table) => table.dropColumn('is_predefined'))
    this.schema.dropTable('contact_tags')
    this.schema.dropTable('conversation_tags')
    this.schema.alterTable('contacts', (table) => {
      table.dropIndex(['workspace_id', 'name'], 'contacts_name_lookup')
      table.dropIndex(['workspace_id', 'phone'], 'contacts_phone_lookup')
    })
    this.schema.alterTable('conversations', (table) => {
      table.dropIndex([], 'conversations_assignee_list')
      table.dropIndex([], 'conversations_team_list')
      table.dropIndex([], 'conversations_all_list')
      table.dropIndex([], 'conversations_waiting')
      table.dropIndex([], 'conversations_snoozed_due')
      table.dropColumns(
        'assignee_id',
        'team_id',
        'priority',
        'snoozed_until',
        'last_message_preview',
        'last_message_direction',
        'language',
        'waiting_since',
        'first_response_at',
        'first_response_seconds',
        'resolved_at',
        'resolution_seconds',
        'agent_reply_count',
        'reopen_count',
        'away_sent_period',
        'greeting_sent_at'
      )
    })
    this.schema.alterTable('workspaces', (table) => {
      table.dropColumns('retention_months', 'auto_away_minutes')
    })
    this.schema.dropTable('agent_profiles')
    this.schema.dropTable('team_members')
    this.schema.dropTable('teams')
  }
}
