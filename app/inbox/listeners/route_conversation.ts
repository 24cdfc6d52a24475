import logger from '@adonisjs/core/services/logger'
import type { ConversationUpdatedEvent, MessagesReceivedEvent } from '#inbox/events'
import { drainWaitingQueue, routeReceived } from '#inbox/services/routing'
import { unassignRemovedMember } from '#inbox/services/availability'

/**
 * `inbox:messages_received`: routing rules on a conversation's first
 * inbound message, then automatic assignment while it is open and
 * unassigned (see `routeReceived` in app/inbox/services/routing.ts).
 */
export async function routeOnMessagesReceived(event: MessagesReceivedEvent) {
  try {
    await routeReceived(event)
  } catch (error) {
    // Never fail the ingestion of a message because of its side effects.
    logger.error({ err: error, workspaceId: event.workspaceId }, 'routing: assignment failed')
  }
}

/** `workspace:member_removed`: the member's conversations are unassigned. */
export async function unassignOnMemberRemoved(event: { workspaceId: number; userId: number }) {
  try {
    await unassignRemovedMember(event.workspaceId, event.userId)
  } catch (error) {
    logger.error({ err: error, ...event }, 'routing: unassigning a removed member failed')
  }
}

/**
 * `inbox:conversation_updated` with a status change (a resolution or a
 * snooze frees a slot under an agent's limit): assign waiting
 * conversations now instead of at the next minute's sweep.
 */
export async function drainOnStatusChange(event: ConversationUpdatedEvent) {
  if (!event.changes.includes('status')) return
  try {
    await drainWaitingQueue(event.workspaceId)
  } catch (error) {
    logger.error({ err: error, workspaceId: event.workspaceId }, 'routing: queue drain failed')
  }
}
