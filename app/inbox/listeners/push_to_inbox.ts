import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { broadcast } from '#core/realtime'
import type {
  ConversationAssignedEvent,
  ConversationTaggedEvent,
  ConversationUpdatedEvent,
  MessageEvent,
  MessagesReceivedEvent,
  NoteAddedEvent,
} from '#inbox/events'
import type { InboxPushItem } from '#inbox/types'

export type { InboxPushItem }

/**
 * Pushes inbox changes to the browsers of a workspace over Transmit, on
 * `workspaces/<workspace public id>/inbox`. Events are gathered for a few
 * milliseconds per workspace and sent as one list, so a webhook batch of
 * 1,000 messages costs one query and one push, not a thousand. Only
 * public ids leave the server.
 *
 * Items: `message.*` (with the conversation's assignee, so a browser
 * knows a message is for "me"), `conversation.updated` (status,
 * assignee, team, tags, priority, read), `note.created` and
 * `note.mention` (mentioned members).
 *
 * From a separate worker process the push reaches browsers through
 * Transmit's Redis transport (REDIS_HOST set); in the embedded setup the
 * worker runs inside the web process.
 */
type MessageKind = 'message.received' | 'message.queued' | 'message.status' | 'note.created'
type Pending = {
  messages: { kind: MessageKind; messageId: number; mentioned?: number[] }[]
  conversations: Map<number, Set<string>>
}

const FLUSH_AFTER_MS = 25
/** A held workspace is still flushed once its oldest item waited this long. */
const MAX_HOLD_MS = 1000
const pending = new Map<number, Pending & { since: number }>()
/** Workspaces whose webhook batch is still being recorded (see `holdingInboxPushes`). */
const holds = new Map<number, number>()
let timer: NodeJS.Timeout | null = null

function scheduleFlush() {
  if (timer) return
  timer = setTimeout(() => {
    timer = null
    void flushInboxPushes({ skipHeld: true })
  }, FLUSH_AFTER_MS)
  timer.unref?.()
}

function entryOf(workspaceId: number): Pending {
  let entry = pending.get(workspaceId)
  if (!entry) {
    entry = { messages: [], conversations: new Map(), since: Date.now() }
    pending.set(workspaceId, entry)
  }
  scheduleFlush()
  return entry
}

/**
 * Keeps a workspace's pushes together while `work` records a webhook
 * batch: each message's listeners run one after another, and on a busy
 * machine the gap between two of them can pass the flush delay. The
 * timer skips a held workspace (up to MAX_HOLD_MS) and the release
 * schedules its flush, so one batch is one push.
 */
export async function holdingInboxPushes<T>(workspaceId: number, work: () => Promise<T>) {
  holds.set(workspaceId, (holds.get(workspaceId) ?? 0) + 1)
  try {
    return await work()
  } finally {
    const left = (holds.get(workspaceId) ?? 1) - 1
    if (left > 0) holds.set(workspaceId, left)
    else holds.delete(workspaceId)
    if (pending.has(workspaceId)) scheduleFlush()
  }
}

type Row = {
  kind: string
  id: number
  public_id: string
  status: string
  conversation: string
  assignee: string | null
  mentioned: string | null
}

/**
 * One query per flush: the messages (with their conversation and its
 * assignee) UNION ALL the updated conversations (with their assignee),
 * plus the mentioned members' public ids when a note mentions someone.
 */
async function flushWorkspace(workspaceId: number, entry: Pending) {
  const messageIds = [...new Set(entry.messages.map((event) => event.messageId))]
  const conversationIds = [...entry.conversations.keys()]
  const mentionedIds = [...new Set(entry.messages.flatMap((event) => event.mentioned ?? []))]

  // Explicitly scoped: listeners run outside any request's tenant context.
  const messageQuery = db
    .from('messages')
    .join('conversations', 'conversations.id', 'messages.conversation_id')
    .leftJoin('memberships', (join) => {
      join
        .on('memberships.workspace_id', 'conversations.workspace_id')
        .andOn('memberships.user_id', 'conversations.assignee_id')
    })
    .where('messages.workspace_id', workspaceId)
    .whereIn('messages.id', messageIds.length ? messageIds : [0])
    .select(
      db.raw("'m' as kind"),
      'messages.id',
      'messages.public_id',
      'messages.status',
      'conversations.public_id as conversation',
      'memberships.public_id as assignee',
      db.raw('NULL as mentioned')
    )
  const conversationQuery = db
    .from('conversations')
    .leftJoin('memberships', (join) => {
      join
        .on('memberships.workspace_id', 'conversations.workspace_id')
        .andOn('memberships.user_id', 'conversations.assignee_id')
    })
    .where('conversations.workspace_id', workspaceId)
    .whereIn('conversations.id', conversationIds.length ? conversationIds : [0])
    .select(
      db.raw("'c' as kind"),
      'conversations.id',
      'conversations.public_id',
      'conversations.status',
      'conversations.public_id as conversation',
      'memberships.public_id as assignee',
      db.raw('NULL as mentioned')
    )
  const mentionQuery = db
    .from('memberships')
    .where('memberships.workspace_id', workspaceId)
    .whereIn('memberships.user_id', mentionedIds.length ? mentionedIds : [0])
    .select(
      db.raw("'u' as kind"),
      'memberships.user_id as id',
      'memberships.public_id',
      db.raw("'' as status"),
      db.raw("'' as conversation"),
      db.raw('NULL as assignee'),
      'memberships.public_id as mentioned'
    )
  const parts = [
    messageIds.length ? messageQuery : null,
    conversationIds.length ? conversationQuery : null,
    mentionedIds.length ? mentionQuery : null,
  ].filter((part) => part !== null)
  if (!parts.length) return
  const [first, ...rest] = parts
  const rows: Row[] = rest.length ? await first.unionAll(rest as any, false) : await first

  const messages = new Map<number, Row>()
  const conversations = new Map<number, Row>()
  const members = new Map<number, string>()
  for (const row of rows) {
    if (row.kind === 'm') messages.set(Number(row.id), row)
    else if (row.kind === 'c') conversations.set(Number(row.id), row)
    else members.set(Number(row.id), row.public_id)
  }

  const items: InboxPushItem[] = []
  for (const event of entry.messages) {
    const row = messages.get(event.messageId)
    if (!row) continue
    items.push({
      kind: event.kind,
      conversation: row.conversation,
      message: row.public_id,
      status: row.status,
      assignee: row.assignee ?? null,
    })
    if (event.kind === 'note.created' && event.mentioned?.length) {
      items.push({
        kind: 'note.mention',
        conversation: row.conversation,
        message: row.public_id,
        mentioned: event.mentioned
          .map((userId) => members.get(userId))
          .filter((id): id is string => !!id),
      })
    }
  }
  for (const [conversationId, changes] of entry.conversations) {
    const row = conversations.get(conversationId)
    if (!row) continue
    items.push({
      kind: 'conversation.updated',
      conversation: row.public_id,
      changes: [...changes],
      status: row.status,
      assignee: row.assignee ?? null,
    })
  }
  if (items.length) await broadcast(workspaceId, 'inbox', { items })
}

/** Flushes still sending; a new flush waits for them, so "flushed" means delivered. */
const inFlight = new Set<Promise<void>>()

/**
 * Sends everything gathered so far (also used by tests). The timer's
 * flush (`skipHeld`) leaves a held workspace's items for later.
 */
export async function flushInboxPushes(options: { skipHeld?: boolean } = {}) {
  if (timer) clearTimeout(timer)
  timer = null
  const now = Date.now()
  const batches = [...pending.entries()].filter(
    ([workspaceId, entry]) =>
      !options.skipHeld || !holds.has(workspaceId) || now - entry.since >= MAX_HOLD_MS
  )
  for (const [workspaceId] of batches) pending.delete(workspaceId)
  if (pending.size) scheduleFlush()
  const flush = (async () => {
    for (const [workspaceId, entry] of batches) {
      try {
        await flushWorkspace(workspaceId, entry)
      } catch (error) {
        // Realtime is best effort: the inbox reloads what it missed.
        logger.warn({ err: error, workspaceId }, 'realtime: inbox push failed')
      }
    }
  })()
  inFlight.add(flush)
  try {
    // Includes a timer-started flush that was still querying when we were called.
    await Promise.all([...inFlight])
  } finally {
    inFlight.delete(flush)
  }
}

export function queueInboxPush(
  kind: 'message.received' | 'message.queued' | 'message.status',
  event: MessageEvent
) {
  entryOf(event.workspaceId).messages.push({ kind, messageId: event.messageId })
}

/** `inbox:messages_received`: every message of the batch, in one push. */
export function queueReceivedPushes(event: MessagesReceivedEvent) {
  const entry = entryOf(event.workspaceId)
  for (const message of event.messages) {
    entry.messages.push({ kind: 'message.received', messageId: message.messageId })
  }
}

function queueConversationChange(
  workspaceId: number,
  conversationIds: number[],
  changes: string[]
) {
  const entry = entryOf(workspaceId)
  for (const id of conversationIds) {
    const set = entry.conversations.get(id) ?? new Set<string>()
    for (const change of changes) set.add(change)
    entry.conversations.set(id, set)
  }
}

export function pushConversationUpdated(event: ConversationUpdatedEvent) {
  queueConversationChange(event.workspaceId, event.conversationIds, event.changes)
}

export function pushConversationAssigned(event: ConversationAssignedEvent) {
  const changes: string[] = []
  if (event.fromUserId !== event.toUserId) changes.push('assignee')
  if (event.fromTeamId !== event.toTeamId) changes.push('team')
  queueConversationChange(event.workspaceId, [event.conversationId], changes)
}

export function pushConversationTagged(event: ConversationTaggedEvent) {
  queueConversationChange(event.workspaceId, event.conversationIds, ['tags'])
}

export function pushNoteAdded(event: NoteAddedEvent) {
  entryOf(event.workspaceId).messages.push({
    kind: 'note.created',
    messageId: event.messageId,
    mentioned: event.mentionedUserIds,
  })
}
