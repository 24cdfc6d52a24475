import db from '@adonisjs/lucid/services/db'
import { fromStored, storedIso } from '#core/helpers/sql_time'
import { SERVICE_WINDOW_HOURS } from '#inbox/models/conversation'
import type {
  AgentRef,
  ChannelRef,
  ConversationListItem,
  InboxStatus,
  TagRef,
  TeamRef,
} from '#inbox/types'

/**
 * Shared by the list, detail and thread queries: raw rows (mysql2 gives
 * DATETIME as a Date, SQLite as text) to the JSON of `#inbox/types`, and
 * the reference data of a page loaded in one query per kind.
 */

export const toDateTime = fromStored

/** A valid JS Date (what mysql2 gives for DATETIME). */
const isDate = (value: unknown): value is Date =>
  value instanceof Date && !Number.isNaN(value.getTime())

/**
 * `storedIso`, with mysql2's Date formatted directly (the same string:
 * UTC, milliseconds, `Z`) instead of through Luxon: a page formats three
 * timestamps per conversation.
 */
export function toIso(value: unknown): string | null {
  return isDate(value) ? value.toISOString() : storedIso(value)
}

const WINDOW_MS = SERVICE_WINDOW_HOURS * 3600_000

export function windowEndsAt(lastInboundAt: unknown): string | null {
  if (isDate(lastInboundAt)) return new Date(lastInboundAt.getTime() + WINDOW_MS).toISOString()
  return toDateTime(lastInboundAt)?.plus({ hours: SERVICE_WINDOW_HOURS }).toUTC().toISO() ?? null
}

/** Members (by user id) as agents: membership public id and name. */
export async function agentsByUserId(
  workspaceId: number,
  userIds: number[]
): Promise<Map<number, AgentRef>> {
  const ids = [...new Set(userIds.filter((id) => id !== null && id !== undefined).map(Number))]
  if (!ids.length) return new Map()
  const rows = await db
    .from('memberships')
    .join('users', 'users.id', 'memberships.user_id')
    .where('memberships.workspace_id', workspaceId)
    .whereIn('memberships.user_id', ids)
    .select('memberships.user_id', 'memberships.public_id', 'users.full_name')
  return new Map(
    rows.map((row) => [Number(row.user_id), { id: row.public_id, name: row.full_name }])
  )
}

export type ConversationRow = {
  id: number
  public_id: string
  contact_id: number
  channel_id: number
  status: string
  priority: number
  unread_count: number
  snoozed_until: unknown
  last_message_at: unknown
  last_inbound_at: unknown
  last_message_preview: string | null
  last_message_direction: string | null
  assignee_id: number | null
  team_id: number | null
}

/** The columns the list needs. */
export const LIST_COLUMNS = [
  'conversations.id',
  'conversations.public_id',
  'conversations.contact_id',
  'conversations.channel_id',
  'conversations.status',
  'conversations.priority',
  'conversations.unread_count',
  'conversations.snoozed_until',
  'conversations.last_message_at',
  'conversations.last_inbound_at',
  'conversations.last_message_preview',
  'conversations.last_message_direction',
  'conversations.assignee_id',
  'conversations.team_id',
]

/** The conversation's own fields of a list item (both row shapes carry these columns). */
function conversationFields(row: {
  public_id: string
  status: string
  priority?: unknown
  unread_count?: unknown
  snoozed_until?: unknown
  last_message_at?: unknown
  last_message_preview?: string | null
  last_message_direction?: string | null
  last_inbound_at?: unknown
}) {
  return {
    id: row.public_id,
    status: row.status as InboxStatus,
    priority: Number(row.priority ?? 0),
    unreadCount: Number(row.unread_count ?? 0),
    snoozedUntil: toIso(row.snoozed_until),
    lastMessageAt: toIso(row.last_message_at),
    lastMessagePreview: row.last_message_preview ?? null,
    lastMessageDirection: (row.last_message_direction ??
      null) as ConversationListItem['lastMessageDirection'],
    windowEndsAt: windowEndsAt(row.last_inbound_at),
  }
}

/**
 * Contacts, channels, tags, assignees and teams of a page of
 * conversations: one query each, whatever the page size.
 */
export async function listItems(
  workspaceId: number,
  rows: ConversationRow[]
): Promise<ConversationListItem[]> {
  if (!rows.length) return []
  const ids = rows.map((row) => Number(row.id))
  const contactIds = [...new Set(rows.map((row) => Number(row.contact_id)))]
  const channelIds = [...new Set(rows.map((row) => Number(row.channel_id)))]
  const teamIds = [
    ...new Set(rows.filter((row) => row.team_id !== null).map((row) => Number(row.team_id))),
  ]

  const [contacts, channels, tags, agents, teams] = await Promise.all([
    db
      .from('contacts')
      .where('workspace_id', workspaceId)
      .whereIn('id', contactIds)
      .select('id', 'public_id', 'name', 'profile_name', 'phone'),
    db
      .from('channels')
      .where('workspace_id', workspaceId)
      .whereIn('id', channelIds)
      .select('id', 'public_id', 'name', 'driver'),
    db
      .from('conversation_tags')
      .join('tags', (join) => {
        join
          .on('tags.id', 'conversation_tags.tag_id')
          .andOn('tags.workspace_id', 'conversation_tags.workspace_id')
      })
      .where('conversation_tags.workspace_id', workspaceId)
      .whereIn('conversation_tags.conversation_id', ids)
      .orderBy('tags.name')
      .select('conversation_tags.conversation_id', 'tags.public_id', 'tags.name', 'tags.color'),
    agentsByUserId(
      workspaceId,
      rows.filter((row) => row.assignee_id !== null).map((row) => Number(row.assignee_id))
    ),
    teamIds.length
      ? db
          .from('teams')
          .where('workspace_id', workspaceId)
          .whereIn('id', teamIds)
          .select('id', 'public_id', 'name')
      : Promise.resolve([]),
  ])

  const contactById = new Map(contacts.map((row) => [Number(row.id), row]))
  const channelById = new Map<number, ChannelRef>(
    channels.map((row) => [
      Number(row.id),
      { id: row.public_id, name: row.name, driver: row.driver },
    ])
  )
  const teamById = new Map<number, TeamRef>(
    teams.map((row: any) => [Number(row.id), { id: row.public_id, name: row.name }])
  )
  const tagsByConversation = new Map<number, TagRef[]>()
  for (const row of tags) {
    const list = tagsByConversation.get(Number(row.conversation_id)) ?? []
    list.push({ id: row.public_id, name: row.name, color: row.color })
    tagsByConversation.set(Number(row.conversation_id), list)
  }

  return rows.map((row) => {
    const contact = contactById.get(Number(row.contact_id))
    return {
      ...conversationFields(row),
      contact: {
        id: contact?.public_id ?? '',
        name: contact ? (contact.name ?? contact.profile_name ?? null) : null,
        phone: contact?.phone ?? null,
      },
      channel: channelById.get(Number(row.channel_id)) ?? { id: '', name: '', driver: '' },
      assignee: row.assignee_id !== null ? (agents.get(Number(row.assignee_id)) ?? null) : null,
      team: row.team_id !== null ? (teamById.get(Number(row.team_id)) ?? null) : null,
      tags: tagsByConversation.get(Number(row.id)) ?? [],
    }
  })
}

/**
 * A page of the list in ONE statement: `page` selects the page's
 * `conversations.id` (and its sort key), ordered and limited; it runs as a
 * derived table (MariaDB materialises it first, with the plan it would
 * have alone), joined to the conversations with their contact, channel,
 * assignee, team and tags (left joins on the tenant's composite keys; a
 * conversation with several tags comes back as several rows). The page's
 * order is kept. Same JSON as `listItems`, plus each conversation's sort
 * key for the cursor.
 */
export async function hydratePage(
  workspaceId: number,
  page: any,
  extraColumns: string[] = []
): Promise<
  {
    item: ConversationListItem
    id: number
    lastMessageAt: unknown
    /** The `extraColumns` of the page's row. */
    extra: Record<string, unknown>
  }[]
> {
  const sameWorkspace =
    (table: string, column: string, key = 'id') =>
    (join: any) => {
      join
        .on(`${table}.workspace_id`, 'conversations.workspace_id')
        .andOn(`${table}.${key}`, `conversations.${column}`)
    }
  const rows: (ConversationRow & {
    contact_public_id: string | null
    contact_name: string | null
    contact_profile_name: string | null
    contact_phone: string | null
    channel_public_id: string | null
    channel_name: string | null
    channel_driver: string | null
    assignee_public_id: string | null
    assignee_name: string | null
    team_public_id: string | null
    team_name: string | null
    tag_public_id: string | null
    tag_name: string | null
    tag_color: string | null
  })[] = await db
    .from(page.as('page'))
    .join('conversations', (join) => {
      join.on('conversations.id', 'page.id')
    })
    .leftJoin('contacts', sameWorkspace('contacts', 'contact_id'))
    .leftJoin('channels', sameWorkspace('channels', 'channel_id'))
    .leftJoin('teams', sameWorkspace('teams', 'team_id'))
    .leftJoin('memberships', sameWorkspace('memberships', 'assignee_id', 'user_id'))
    .leftJoin('users', 'users.id', 'memberships.user_id')
    .leftJoin('conversation_tags', sameWorkspace('conversation_tags', 'id', 'conversation_id'))
    .leftJoin('tags', (join) => {
      join
        .on('tags.workspace_id', 'conversation_tags.workspace_id')
        .andOn('tags.id', 'conversation_tags.tag_id')
    })
    .where('conversations.workspace_id', workspaceId)
    .select(
      ...LIST_COLUMNS,
      'contacts.public_id as contact_public_id',
      'contacts.name as contact_name',
      'contacts.profile_name as contact_profile_name',
      'contacts.phone as contact_phone',
      'channels.public_id as channel_public_id',
      'channels.name as channel_name',
      'channels.driver as channel_driver',
      'memberships.public_id as assignee_public_id',
      'users.full_name as assignee_name',
      'teams.public_id as team_public_id',
      'teams.name as team_name',
      'tags.public_id as tag_public_id',
      'tags.name as tag_name',
      'tags.color as tag_color',
      ...extraColumns.map((column) => `page.${column} as page__${column}`)
    )
    .orderBy('page.last_message_at', 'desc')
    .orderBy('page.id', 'desc')
    .orderBy('tags.name')

  const items = new Map<
    number,
    {
      item: ConversationListItem
      id: number
      lastMessageAt: unknown
      extra: Record<string, unknown>
    }
  >()
  for (const row of rows) {
    const id = Number(row.id)
    let entry = items.get(id)
    if (!entry) {
      const item: ConversationListItem = {
        ...conversationFields(row),
        contact: {
          id: row.contact_public_id ?? '',
          name:
            row.contact_public_id === null
              ? null
              : (row.contact_name ?? row.contact_profile_name ?? null),
          phone: row.contact_phone ?? null,
        },
        channel:
          row.channel_public_id === null
            ? { id: '', name: '', driver: '' }
            : {
                id: row.channel_public_id,
                name: row.channel_name as string,
                driver: row.channel_driver as string,
              },
        assignee:
          row.assignee_id !== null && row.assignee_public_id !== null
            ? { id: row.assignee_public_id, name: row.assignee_name as string }
            : null,
        team:
          row.team_id !== null && row.team_public_id !== null
            ? { id: row.team_public_id, name: row.team_name as string }
            : null,
        tags: [],
      }
      const extra: Record<string, unknown> = {}
      for (const column of extraColumns) extra[column] = (row as any)[`page__${column}`]
      entry = { item, id, lastMessageAt: row.last_message_at, extra }
      items.set(id, entry)
    }
    if (row.tag_public_id !== null) {
      entry.item.tags.push({
        id: row.tag_public_id,
        name: row.tag_name as string,
        color: row.tag_color as string,
      })
    }
  }
  return [...items.values()]
}
