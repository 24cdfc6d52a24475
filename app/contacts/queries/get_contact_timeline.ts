import { fromStored, sqlDateTime, storedIso } from '#core/helpers/sql_time'
import db from '@adonisjs/lucid/services/db'
import type Contact from '#contacts/models/contact'
import { tenancy } from '#core/tenancy/context'

/**
 * A contact's timeline, newest first: messages of its conversations,
 * notes, consent events and its own events (field changes, merges,
 * imports, campaign and custom events) and campaign sends (from
 * `campaign_recipients`, with their delivery, read and reply times). Each source is read with the
 * same cursor condition and `limit + 1` rows, then merged; the cursor is
 * the last item's (time, source, id), so pages never skip or repeat an
 * item even when times are equal.
 */

const SOURCES = ['message', 'note', 'consent', 'event', 'campaign'] as const
type Source = (typeof SOURCES)[number]
/** Tie-break between sources at the same second (higher comes first). */
const RANK: Record<Source, number> = { campaign: 4, event: 3, consent: 2, note: 1, message: 0 }

export type TimelineItem = {
  key: string
  source: Source
  at: string
  actor: string | null
} & (
  | {
      source: 'message'
      direction: string
      type: string
      body: string | null
      status: string
      conversation: string
    }
  | { source: 'note'; id: string; body: string; mine: boolean; edited: boolean }
  | { source: 'consent'; event: string; scope: string; origin: string }
  | { source: 'event'; kind: string; name: string | null; data: Record<string, unknown> }
  | {
      /** A campaign send (campaign sends create no inbox message): one item per send. */
      source: 'campaign'
      campaign: string
      name: string
      status: string
      deliveredAt: string | null
      readAt: string | null
      repliedAt: string | null
    }
)

export type TimelinePage = { items: TimelineItem[]; nextCursor: string | null }

type Cursor = { at: string; rank: number; id: number }

/** The stored text of a timestamp (cursor values compare as stored). */
function stored(value: unknown): string {
  const at = fromStored(value)
  return at ? sqlDateTime(at) : String(value).slice(0, 19).replace('T', ' ')
}

function iso(value: unknown): string {
  return storedIso(value) ?? String(value)
}

function encodeTimelineCursor(cursor: Cursor) {
  return Buffer.from(JSON.stringify([cursor.at, cursor.rank, cursor.id])).toString('base64url')
}

function decodeTimelineCursor(raw: string | undefined | null): Cursor | null {
  if (!raw) return null
  try {
    const [at, rank, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
    if (typeof at !== 'string' || !Number.isInteger(rank) || !Number.isInteger(id)) return null
    return { at, rank, id }
  } catch {
    return null
  }
}

/** Rows strictly after the cursor in (time desc, rank desc, id desc) order. */
function afterCursor(
  query: any,
  column: string,
  idColumn: string,
  rank: number,
  cursor: Cursor | null
) {
  if (!cursor) return query
  if (rank < cursor.rank) return query.where(column, '<=', cursor.at)
  if (rank > cursor.rank) return query.where(column, '<', cursor.at)
  return query.where((where: any) => {
    where.where(column, '<', cursor.at).orWhere((tie: any) => {
      tie.where(column, cursor.at).where(idColumn, '<', cursor.id)
    })
  })
}

export async function getContactTimeline(
  contact: Contact,
  options: { cursor?: string | null; limit?: number; viewerId?: number | null } = {}
): Promise<TimelinePage> {
  const workspaceId = tenancy.workspaceId()
  const limit = Math.min(100, Math.max(1, options.limit ?? 30))
  const cursor = decodeTimelineCursor(options.cursor)
  type Row = { source: Source; at: string; id: number; item: TimelineItem }
  const rows: Row[] = []

  // Explicitly scoped raw reads: every query filters workspace_id.
  const conversations = await db
    .from('conversations')
    .where('workspace_id', workspaceId)
    .where('contact_id', contact.id)
    .select('id', 'public_id')
  const conversationIds = new Map(
    conversations.map((row) => [Number(row.id), String(row.public_id)])
  )
  if (conversationIds.size) {
    const query = db
      .from('messages')
      .leftJoin('users', 'users.id', 'messages.sent_by_id')
      .where('messages.workspace_id', workspaceId)
      .whereIn('messages.conversation_id', [...conversationIds.keys()])
      .select(
        'messages.id',
        'messages.conversation_id',
        'messages.direction',
        'messages.type',
        'messages.body',
        'messages.status',
        'messages.created_at',
        'users.full_name as actor'
      )
      .orderBy('messages.created_at', 'desc')
      .orderBy('messages.id', 'desc')
      .limit(limit + 1)
    afterCursor(query, 'messages.created_at', 'messages.id', RANK.message, cursor)
    for (const row of await query) {
      rows.push({
        source: 'message',
        at: stored(row.created_at),
        id: Number(row.id),
        item: {
          key: `message:${row.id}`,
          source: 'message',
          at: iso(row.created_at),
          actor: row.actor ?? null,
          direction: row.direction,
          type: row.type,
          body: row.body ? String(row.body).slice(0, 1000) : null,
          status: row.status,
          conversation: conversationIds.get(Number(row.conversation_id)) ?? '',
        },
      })
    }
  }

  const notes = db
    .from('contact_notes')
    .leftJoin('users', 'users.id', 'contact_notes.author_id')
    .where('contact_notes.workspace_id', workspaceId)
    .where('contact_notes.contact_id', contact.id)
    .select(
      'contact_notes.id',
      'contact_notes.public_id',
      'contact_notes.body',
      'contact_notes.author_id',
      'contact_notes.created_at',
      'contact_notes.updated_at',
      'users.full_name as actor'
    )
    .orderBy('contact_notes.created_at', 'desc')
    .orderBy('contact_notes.id', 'desc')
    .limit(limit + 1)
  afterCursor(notes, 'contact_notes.created_at', 'contact_notes.id', RANK.note, cursor)
  for (const row of await notes) {
    rows.push({
      source: 'note',
      at: stored(row.created_at),
      id: Number(row.id),
      item: {
        key: `note:${row.id}`,
        source: 'note',
        at: iso(row.created_at),
        actor: row.actor ?? null,
        id: String(row.public_id),
        body: String(row.body),
        mine: options.viewerId !== undefined && Number(row.author_id) === options.viewerId,
        edited: stored(row.updated_at) !== stored(row.created_at),
      },
    })
  }

  const consent = db
    .from('consent_events')
    .leftJoin('users', 'users.id', 'consent_events.actor_id')
    .where('consent_events.workspace_id', workspaceId)
    .where('consent_events.contact_id', contact.id)
    .select(
      'consent_events.id',
      'consent_events.event',
      'consent_events.scope',
      'consent_events.source',
      'consent_events.occurred_at',
      'users.full_name as actor'
    )
    .orderBy('consent_events.occurred_at', 'desc')
    .orderBy('consent_events.id', 'desc')
    .limit(limit + 1)
  afterCursor(consent, 'consent_events.occurred_at', 'consent_events.id', RANK.consent, cursor)
  for (const row of await consent) {
    rows.push({
      source: 'consent',
      at: stored(row.occurred_at),
      id: Number(row.id),
      item: {
        key: `consent:${row.id}`,
        source: 'consent',
        at: iso(row.occurred_at),
        actor: row.actor ?? null,
        event: row.event,
        scope: row.scope,
        origin: row.source,
      },
    })
  }

  const events = db
    .from('contact_events')
    .leftJoin('users', 'users.id', 'contact_events.actor_id')
    .where('contact_events.workspace_id', workspaceId)
    .where('contact_events.contact_id', contact.id)
    .select(
      'contact_events.id',
      'contact_events.kind',
      'contact_events.name',
      'contact_events.data',
      'contact_events.occurred_at',
      'users.full_name as actor'
    )
    .orderBy('contact_events.occurred_at', 'desc')
    .orderBy('contact_events.id', 'desc')
    .limit(limit + 1)
  afterCursor(events, 'contact_events.occurred_at', 'contact_events.id', RANK.event, cursor)
  for (const row of await events) {
    let data: Record<string, unknown> = {}
    try {
      data = row.data ? JSON.parse(row.data) : {}
    } catch {
      data = {}
    }
    rows.push({
      source: 'event',
      at: stored(row.occurred_at),
      id: Number(row.id),
      item: {
        key: `event:${row.id}`,
        source: 'event',
        at: iso(row.occurred_at),
        actor: row.actor ?? null,
        kind: row.kind,
        name: row.name ?? null,
        data,
      },
    })
  }

  const sends = db
    .from('campaign_recipients')
    .join('campaigns', 'campaigns.id', 'campaign_recipients.campaign_id')
    .where('campaign_recipients.workspace_id', workspaceId)
    .where('campaigns.workspace_id', workspaceId)
    .where('campaign_recipients.contact_id', contact.id)
    .whereNotNull('campaign_recipients.sent_at')
    .select(
      'campaign_recipients.id',
      'campaign_recipients.status',
      'campaign_recipients.sent_at',
      'campaign_recipients.delivered_at',
      'campaign_recipients.read_at',
      'campaign_recipients.replied_at',
      'campaigns.public_id as campaign',
      'campaigns.name'
    )
    .orderBy('campaign_recipients.sent_at', 'desc')
    .orderBy('campaign_recipients.id', 'desc')
    .limit(limit + 1)
  afterCursor(sends, 'campaign_recipients.sent_at', 'campaign_recipients.id', RANK.campaign, cursor)
  for (const row of await sends) {
    rows.push({
      source: 'campaign',
      at: stored(row.sent_at),
      id: Number(row.id),
      item: {
        key: `campaign:${row.id}`,
        source: 'campaign',
        at: iso(row.sent_at),
        actor: null,
        campaign: String(row.campaign),
        name: String(row.name),
        status: String(row.status),
        deliveredAt: storedIso(row.delivered_at),
        readAt: storedIso(row.read_at),
        repliedAt: storedIso(row.replied_at),
      },
    })
  }

  rows.sort((a, b) => {
    if (a.at !== b.at) return a.at < b.at ? 1 : -1
    if (RANK[a.source] !== RANK[b.source]) return RANK[b.source] - RANK[a.source]
    return b.id - a.id
  })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    items: page.map((row) => row.item),
    nextCursor:
      rows.length > limit && last
        ? encodeTimelineCursor({ at: last.at, rank: RANK[last.source], id: last.id })
        : null,
  }
}
