import db from '@adonisjs/lucid/services/db'
import type { ThreadMessage, ThreadPage, AgentRef } from '#inbox/types'
import { agentsByUserId, toIso } from '#inbox/queries/serialize'

export const THREAD_DEFAULT_LIMIT = 50
export const THREAD_MAX_LIMIT = 200

const THREAD_COLUMNS = [
  'id',
  'public_id',
  'direction',
  'type',
  'body',
  'payload',
  'status',
  'provider_message_id',
  'reply_to_provider_id',
  'media_path',
  'media_mime',
  'error_code',
  'error_title',
  'error_message',
  'sent_by_id',
  'created_at',
  'sent_at',
  'delivered_at',
  'read_at',
  'failed_at',
]

function parsePayload(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined || value === '') return {}
  if (typeof value === 'string') {
    try {
      const parsed = JSON.parse(value)
      return parsed && typeof parsed === 'object' ? parsed : {}
    } catch {
      return {}
    }
  }
  return typeof value === 'object' ? (value as Record<string, unknown>) : {}
}

/** The membership public ids a note mentions (payload.mentions). */
export function mentionIdsOf(payload: Record<string, unknown>): string[] {
  const mentions = payload.mentions
  return Array.isArray(mentions) ? mentions.filter((id) => typeof id === 'string') : []
}

/**
 * Turns message rows of one conversation into ThreadMessages: quoted
 * replies resolved within the conversation, senders and mentions as
 * agents (membership public id and name), one query per kind.
 */
export async function threadMessages(
  workspaceId: number,
  conversationId: number,
  rows: any[],
  mediaUrl: (publicId: string) => string
): Promise<ThreadMessage[]> {
  const replyIds = [
    ...new Set(rows.map((row) => row.reply_to_provider_id).filter((id) => !!id)),
  ] as string[]
  const known = new Map<string, any>()
  for (const row of rows) if (row.provider_message_id) known.set(row.provider_message_id, row)
  const missing = replyIds.filter((id) => !known.has(id))
  if (missing.length) {
    const quoted = await db
      .from('messages')
      .where('workspace_id', workspaceId)
      .where('conversation_id', conversationId)
      .whereIn('provider_message_id', missing)
      .select('public_id', 'provider_message_id', 'body', 'type')
    for (const row of quoted) known.set(row.provider_message_id, row)
  }

  const payloads = new Map(rows.map((row) => [row, parsePayload(row.payload)]))
  const mentionIds = [...new Set([...payloads.values()].flatMap(mentionIdsOf))]
  const [senders, mentioned] = await Promise.all([
    agentsByUserId(
      workspaceId,
      rows.filter((row) => row.sent_by_id !== null).map((row) => Number(row.sent_by_id))
    ),
    mentionIds.length
      ? db
          .from('memberships')
          .join('users', 'users.id', 'memberships.user_id')
          .where('memberships.workspace_id', workspaceId)
          .whereIn('memberships.public_id', mentionIds)
          .select('memberships.public_id', 'users.full_name')
      : Promise.resolve([]),
  ])
  const mentionById = new Map<string, AgentRef>(
    mentioned.map((row: any) => [row.public_id, { id: row.public_id, name: row.full_name }])
  )

  return rows.map((row) => {
    const payload = payloads.get(row)!
    const quoted = row.reply_to_provider_id ? known.get(row.reply_to_provider_id) : null
    return {
      id: row.public_id,
      direction: row.direction,
      type: row.type,
      body: row.body ?? null,
      payload,
      status: row.status,
      mediaUrl: row.media_path ? mediaUrl(row.public_id) : null,
      mediaMime: row.media_mime ?? null,
      replyTo: row.reply_to_provider_id
        ? {
            id: quoted?.public_id ?? null,
            body: quoted?.body ?? null,
            type: quoted?.type ?? null,
          }
        : null,
      error:
        row.error_code !== null || row.error_title || row.error_message
          ? {
              code: row.error_code === null ? null : Number(row.error_code),
              title: row.error_title ?? null,
              message: row.error_message ?? null,
            }
          : null,
      sender: row.sent_by_id !== null ? (senders.get(Number(row.sent_by_id)) ?? null) : null,
      mentions: mentionIdsOf(payload)
        .map((id) => mentionById.get(id))
        .filter((agent): agent is AgentRef => !!agent),
      createdAt: toIso(row.created_at)!,
      sentAt: toIso(row.sent_at),
      deliveredAt: toIso(row.delivered_at),
      readAt: toIso(row.read_at),
      failedAt: toIso(row.failed_at),
    }
  })
}

/**
 * One page of a conversation's thread, notes included: the newest
 * `limit` messages older than `before` (a message public id; none = the
 * newest page), returned oldest first. `previousCursor` names the oldest
 * message of the page when older ones exist.
 */
export async function getThread(input: {
  workspaceId: number
  conversationId: number
  before?: string | null
  limit?: number
  mediaUrl: (publicId: string) => string
}): Promise<ThreadPage> {
  const limit = Math.min(THREAD_MAX_LIMIT, Math.max(1, input.limit ?? THREAD_DEFAULT_LIMIT))
  const query = db
    .from('messages')
    .where('workspace_id', input.workspaceId)
    .where('conversation_id', input.conversationId)
  if (input.before) {
    const anchor = await db
      .from('messages')
      .where('workspace_id', input.workspaceId)
      .where('conversation_id', input.conversationId)
      .where('public_id', input.before)
      .select('id')
      .first()
    if (!anchor) return { items: [], previousCursor: null }
    query.where('id', '<', anchor.id)
  }
  const rows = await query
    .select(THREAD_COLUMNS)
    .orderBy('id', 'desc')
    .limit(limit + 1)
  const more = rows.length > limit
  const page = (more ? rows.slice(0, limit) : rows).reverse()
  return {
    items: await threadMessages(input.workspaceId, input.conversationId, page, input.mediaUrl),
    previousCursor: more && page.length ? page[0].public_id : null,
  }
}

/** One message of a conversation as a ThreadMessage (after a reply or a note). */
export async function threadMessage(
  workspaceId: number,
  conversationId: number,
  messageId: number,
  mediaUrl: (publicId: string) => string
): Promise<ThreadMessage> {
  const rows = await db
    .from('messages')
    .where('workspace_id', workspaceId)
    .where('conversation_id', conversationId)
    .where('id', messageId)
    .select(THREAD_COLUMNS)
  const [item] = await threadMessages(workspaceId, conversationId, rows, mediaUrl)
  return item
}
