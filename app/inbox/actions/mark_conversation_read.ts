import emitter from '@adonisjs/core/services/emitter'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import { queue } from '#core/queue/main'

/** The newest inbound message of a conversation that the provider knows. */
export function newestInbound(conversationId: number) {
  return Message.query()
    .where('conversation_id', conversationId)
    .where('direction', 'in')
    .whereNotNull('provider_message_id')
    .orderBy('id', 'desc')
    .select('id', 'provider_message_id')
    .first()
}

/**
 * Marks conversations read: unread count to 0 (one UPDATE) and, for each
 * conversation that had unread messages, a read receipt for its newest
 * inbound message, sent by the `inbox.receipt` job (the driver may do
 * network I/O). Emits `inbox:conversation_updated` with `read`.
 */
export async function markConversationsRead(input: {
  workspaceId: number
  conversations: Conversation[]
  actorId: number | null
}): Promise<number> {
  const unread = input.conversations.filter((conversation) => conversation.unreadCount > 0)
  if (!unread.length) return 0
  await Conversation.query()
    .whereIn(
      'id',
      unread.map((conversation) => conversation.id)
    )
    .update({ unread_count: 0 })
  for (const conversation of unread) {
    conversation.$attributes.unreadCount = 0
    conversation.$original.unreadCount = 0
    const message = await newestInbound(conversation.id)
    if (message) {
      await queue().dispatch(
        'inbox.receipt',
        { messageId: message.id, kind: 'read' },
        {
          workspaceId: input.workspaceId,
          uniqueKey: `receipt:read:${message.id}`,
          queue: 'outbound',
          attempts: 3,
        }
      )
    }
  }
  await emitter.emit('inbox:conversation_updated', {
    workspaceId: input.workspaceId,
    conversationIds: unread.map((conversation) => conversation.id),
    changes: ['read'],
    actorId: input.actorId,
  })
  return unread.length
}

/** At most one typing indicator per conversation and agent in this window. */
export const TYPING_EVERY_MS = 20_000
const lastTyping = new Map<string, number>()

/**
 * Queues a typing indicator on the newest inbound message, at most once
 * per 20 s per conversation and agent (kept in this process's memory:
 * with several web processes an agent may send one per process, which
 * WhatsApp tolerates). Returns whether one was queued.
 */
export async function sendTyping(input: {
  workspaceId: number
  conversation: Conversation
  userId: number
  now?: number
}): Promise<boolean> {
  const now = input.now ?? Date.now()
  const key = `${input.workspaceId}:${input.conversation.id}:${input.userId}`
  const last = lastTyping.get(key)
  if (last !== undefined && now - last < TYPING_EVERY_MS) return false
  if (!input.conversation.isServiceWindowOpen()) return false
  const message = await newestInbound(input.conversation.id)
  if (!message) return false
  lastTyping.set(key, now)
  if (lastTyping.size > 10_000) {
    for (const [entry, at] of lastTyping) if (now - at >= TYPING_EVERY_MS) lastTyping.delete(entry)
  }
  await queue().dispatch(
    'inbox.receipt',
    { messageId: message.id, kind: 'typing' },
    { workspaceId: input.workspaceId, queue: 'outbound', attempts: 1 }
  )
  return true
}
