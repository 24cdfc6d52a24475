import type { DateTime } from 'luxon'

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

/**
 * Tags added to (`added: true`) or removed from (`added: false`) a set of
 * conversations; emitted once per bulk call with every pair it covered,
 * changed or not.
 */
export type ConversationTaggedEvent = {
  workspaceId: number
  conversationIds: number[]
  tagIds: number[]
  added: boolean
  /** The user who acted; null for rules and the system. */
  actorId?: number | null
}

/** One inbound message of an `inbox:messages_received` batch. */
export type ReceivedMessage = {
  conversationId: number
  messageId: number
  contactId: number
  channelId: number
  type: string
  body: string | null
  /** When the customer sent it (Meta's timestamp), else when Parley received it. */
  at: DateTime
  /**
   * The conversation's first inbound message: routing rules, language
   * detection and the greeting run on it.
   */
  firstInbound: boolean
}

/**
 * Inbound messages stored together (a webhook batch, or one message),
 * emitted once after they are committed and before the per-message
 * `inbox:message_received` events. Core listeners (push, keywords,
 * automatic replies, routing, campaign reply attribution) take the whole
 * batch, so they read each workspace's settings once per batch instead of
 * once per message. Messages are in the order they were stored.
 */
export type MessagesReceivedEvent = {
  workspaceId: number
  messages: ReceivedMessage[]
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'inbox:messages_received': MessagesReceivedEvent
    'inbox:message_received': MessageEvent
    'inbox:message_queued': MessageEvent
    'inbox:message_status': MessageEvent & { status: string }
    'inbox:conversation_tagged': ConversationTaggedEvent
  }
}

/**
 * A conversation's assignee and/or team changed (`assignConversation`).
 * Numeric ids; listeners that push to browsers map them to public ids.
 */
export type ConversationAssignedEvent = {
  workspaceId: number
  conversationId: number
  fromUserId: number | null
  toUserId: number | null
  fromTeamId: number | null
  toTeamId: number | null
  reason: string
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'inbox:conversation_assigned': ConversationAssignedEvent
  }
}

/**
 * Conversations changed by an agent or the system: `changes` names what
 * (status, priority, read…). Pushed to browsers as `conversation.updated`.
 */
export type ConversationUpdatedEvent = {
  workspaceId: number
  conversationIds: number[]
  changes: string[]
  /** The user who acted; null for jobs and the system. */
  actorId?: number | null
}

/** An internal note was added to a conversation (never sent to the customer). */
export type NoteAddedEvent = {
  workspaceId: number
  conversationId: number
  messageId: number
  authorId: number
  /** Users mentioned in the note (each got an `inbox.mention` notification). */
  mentionedUserIds: number[]
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'inbox:conversation_updated': ConversationUpdatedEvent
    'inbox:note_added': NoteAddedEvent
  }
}
