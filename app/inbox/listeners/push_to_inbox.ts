import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { broadcast } from '#core/realtime'
import type { MessageEvent } from '#inbox/events'

/**
 * Pushes inbox changes to the browsers of a workspace over Transmit, on
 * `workspaces/<workspace public id>/inbox`. Events are gathered for a few
 * milliseconds per workspace and sent as one list, so a webhook batch of
 * 1,000 messages costs one query and one push, not a thousand. Only
 * public ids leave the server.
 *
 * From a separate worker process the push reaches browsers through
 * Transmit's Redis transport (REDIS_HOST set); in the embedded setup the
 * worker runs inside the web process.
 */
export type InboxPushItem = {
  kind: 'message.received' | 'message.queued' | 'message.status'
  conversation: string
  message: string
  status: string
}

const FLUSH_AFTER_MS = 25
const pending = new Map<number, { events: (MessageEvent & { kind: InboxPushItem['kind'] })[] }>()
let timer: NodeJS.Timeout | null = null

async function flushWorkspace(
  workspaceId: number,
  events: (MessageEvent & { kind: InboxPushItem['kind'] })[]
) {
  // Explicitly scoped: listeners run outside any request's tenant context.
  const rows: { id: number; public_id: string; status: string; conversation: string }[] = await db
    .from('messages')
    .join('conversations', 'conversations.id', 'messages.conversation_id')
    .where('messages.workspace_id', workspaceId)
    .whereIn('messages.id', [...new Set(events.map((event) => event.messageId))])
    .select(
      'messages.id',
      'messages.public_id',
      'messages.status',
      'conversations.public_id as conversation'
    )
  const byId = new Map(rows.map((row) => [Number(row.id), row]))
  const items: InboxPushItem[] = []
  for (const event of events) {
    const row = byId.get(event.messageId)
    if (!row) continue
    items.push({
      kind: event.kind,
      conversation: row.conversation,
      message: row.public_id,
      status: row.status,
    })
  }
  if (items.length) await broadcast(workspaceId, 'inbox', { items })
}

/** Sends everything gathered so far (also used by tests). */
export async function flushInboxPushes() {
  if (timer) clearTimeout(timer)
  timer = null
  const batches = [...pending.entries()]
  pending.clear()
  for (const [workspaceId, { events }] of batches) {
    try {
      await flushWorkspace(workspaceId, events)
    } catch (error) {
      // Realtime is best effort: the inbox reloads what it missed.
      logger.warn({ err: error, workspaceId }, 'realtime: inbox push failed')
    }
  }
}

export function queueInboxPush(kind: InboxPushItem['kind'], event: MessageEvent) {
  const entry = pending.get(event.workspaceId) ?? { events: [] }
  entry.events.push({ ...event, kind })
  pending.set(event.workspaceId, entry)
  if (!timer) {
    timer = setTimeout(() => void flushInboxPushes(), FLUSH_AFTER_MS)
    timer.unref?.()
  }
}
