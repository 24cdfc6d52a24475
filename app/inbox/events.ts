/**
 * Inbox domain events. Listeners (realtime push, routing, automation,
 * outbound webhooks, analytics) must be idempotent: an event can be
 * emitted again when a job is retried.
 */
export type MessageEvent = {
  workspaceId: number
  conversationId: number
  messageId: number
  /**
   * Inbound only, when the emitter has them at hand: the message's type
   * and short text, so listeners can skip the messages they ignore
   * without a query (keywords, routing).
   */
  type?: string
  body?: string | null
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'inbox:message_received': MessageEvent
    'inbox:message_queued': MessageEvent
    'inbox:message_status': MessageEvent & { status: string }
  }
}
