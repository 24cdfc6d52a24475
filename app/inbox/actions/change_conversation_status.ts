import { DateTime } from 'luxon'
import emitter from '@adonisjs/core/services/emitter'
import type Conversation from '#inbox/models/conversation'
import type { ConversationStatus } from '#inbox/models/conversation'
import { InvalidSnoozeException } from '#inbox/exceptions/inbox_exceptions'
import { recordAgentHandled } from '#inbox/services/conversation_metrics'

export const MAX_SNOOZE_DAYS = 30

/**
 * Moves a conversation to another status and keeps its metrics:
 *
 * - `resolved`: `resolved_at` = now and `resolution_seconds` = now minus
 *   the start of the current cycle (`reopened_at` after a reopen, else
 *   `created_at`); the acting agent is recorded as having handled it;
 * - `open` from `resolved`: `reopen_count` + 1 and `reopened_at` = now;
 * - `snoozed`: needs `snoozedUntil` in the future, at most 30 days ahead
 *   (the `inbox.wake_snoozed` job reopens it then, as does a new message);
 * - leaving `snoozed` clears `snoozed_until`.
 *
 * Nothing happens when the status is already the requested one (a snooze
 * with a new time still updates the time). Emits
 * `inbox:conversation_updated` with `changes: ['status']`.
 */
export async function changeConversationStatus(input: {
  conversation: Conversation
  status: ConversationStatus
  snoozedUntil?: DateTime | null
  actorId: number | null
  now?: DateTime
}): Promise<boolean> {
  const { conversation, status } = input
  const now = input.now ?? DateTime.now()
  if (status === 'snoozed') {
    const until = input.snoozedUntil
    if (!until || !until.isValid || until <= now || until > now.plus({ days: MAX_SNOOZE_DAYS })) {
      throw new InvalidSnoozeException()
    }
    if (conversation.status === 'snoozed' && +conversation.snoozedUntil! === +until) return false
  } else if (conversation.status === status) {
    return false
  }

  const previous = conversation.status
  if (status === 'resolved') {
    const since = conversation.reopenedAt ?? conversation.createdAt
    conversation.resolvedAt = now
    conversation.resolutionSeconds = Math.max(0, Math.round(now.diff(since, 'seconds').seconds))
  }
  if (previous === 'resolved' && status !== 'resolved') {
    conversation.reopenCount = (conversation.reopenCount ?? 0) + 1
    conversation.reopenedAt = now
  }
  conversation.snoozedUntil = status === 'snoozed' ? input.snoozedUntil! : null
  conversation.status = status
  await conversation.save()

  if (status === 'resolved' && input.actorId) {
    await recordAgentHandled(
      conversation.workspaceId,
      conversation.id,
      input.actorId,
      'resolve',
      now
    )
  }
  await emitter.emit('inbox:conversation_updated', {
    workspaceId: conversation.workspaceId,
    conversationIds: [conversation.id],
    changes: ['status'],
    actorId: input.actorId,
  })
  return true
}
