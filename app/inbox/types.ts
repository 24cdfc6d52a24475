/**
 * The inbox's JSON contract between the server (app/inbox/controllers,
 * app/inbox/queries) and the inbox page (resources/js/pages/inbox/*).
 * Ids are public ids; an agent is identified by the public id of their
 * membership in the workspace (users have no public id of their own).
 */

export type InboxView = 'mine' | 'unassigned' | 'teams' | 'all'
export type InboxStatus = 'open' | 'pending' | 'snoozed' | 'resolved'

/** Query string of GET /w/:workspace/inbox/conversations (all optional). */
export type ConversationFilters = {
  view?: InboxView
  /** Default 'open'. 'any' lists every status. */
  status?: InboxStatus | 'any'
  /** Agent (membership public id) or 'none'. */
  assignee?: string
  /** Team public id. */
  team?: string
  /** Channel public id. */
  channel?: string
  /** Tag public ids (comma separated in the query string); all must match. */
  tags?: string[]
  /** ISO dates (inclusive), on last_message_at. */
  from?: string
  to?: string
  unread?: boolean
  /** Minimum priority 0–4. */
  priority?: number
  /** Searches message text and contact name/phone. */
  q?: string
  /** Contact field filters: contact.name, contact.phone, contact.country, contact.locale… */
  contact?: Record<string, string>
  /** A saved contact segment (public id): conversations whose contact is in it. */
  segment?: string
  /** The contact's language (contacts.locale, case-insensitive exact match). */
  contactLocale?: string
  /** Opaque cursor from the previous page's nextCursor. */
  cursor?: string
  /** Page size, default 30, max 100. */
  limit?: number
}

export type AgentRef = { id: string; name: string }
export type TeamRef = { id: string; name: string }
export type SegmentRef = { id: string; name: string }
export type TagRef = { id: string; name: string; color: string }
export type ChannelRef = { id: string; name: string; driver: string }

export type ConversationListItem = {
  id: string
  status: InboxStatus
  priority: number
  unreadCount: number
  snoozedUntil: string | null
  lastMessageAt: string | null
  lastMessagePreview: string | null
  lastMessageDirection: 'in' | 'out' | 'note' | null
  /** When the 24-hour customer service window closes (null: never opened). */
  windowEndsAt: string | null
  contact: { id: string; name: string | null; phone: string | null }
  channel: ChannelRef
  assignee: AgentRef | null
  team: TeamRef | null
  tags: TagRef[]
}

export type ConversationPage = {
  items: ConversationListItem[]
  nextCursor: string | null
}

/** GET /w/:workspace/inbox/counts: per view, for the current user, status open. */
export type InboxCounts = Record<InboxView, number> & { unread: number }

export type ThreadMessage = {
  id: string
  direction: 'in' | 'out' | 'note'
  type: string
  body: string | null
  /** The stored payload (media ids, location, contacts, interactive reply, reaction…). */
  payload: Record<string, unknown>
  status: string
  /** URL to fetch the media through Parley (null when there is none). */
  mediaUrl: string | null
  mediaMime: string | null
  replyTo: { id: string | null; body: string | null; type: string | null } | null
  error: { code: number | null; title: string | null; message: string | null } | null
  sender: AgentRef | null
  /** Notes: the agents mentioned. */
  mentions: AgentRef[]
  createdAt: string
  sentAt: string | null
  deliveredAt: string | null
  readAt: string | null
  failedAt: string | null
}

/** GET /w/:workspace/inbox/conversations/:conversation/messages?before=<cursor>&limit= */
export type ThreadPage = {
  /** Oldest first. */
  items: ThreadMessage[]
  /** Cursor for older messages (pass as `before`), null at the beginning. */
  previousCursor: string | null
}

export type ConversationDetail = ConversationListItem & {
  language: string | null
  contact: ConversationListItem['contact'] & {
    waId: string | null
    profileName: string | null
    email: string | null
    locale: string | null
    timezone: string | null
    country: string | null
    tags: TagRef[]
    /** Marketing consent: 'opted_in' | 'opted_out' | 'unknown'. */
    consent: string
    previousConversations: {
      id: string
      status: InboxStatus
      lastMessageAt: string | null
      preview: string | null
    }[]
    /** The workspace's custom fields and this contact's values (contact sidebar). */
    customFields: ContactFieldsPanel
  }
  metrics: {
    firstResponseSeconds: number | null
    resolutionSeconds: number | null
    agentReplyCount: number
    reopenCount: number
  }
}

/** A custom field definition as the contact sidebar shows and edits it. */
export type ContactFieldDef = {
  key: string
  label: string
  type: 'text' | 'number' | 'date' | 'dropdown' | 'checkbox'
  /** Dropdown choices, in display order (empty for other types). */
  options: string[]
  required: boolean
}

/**
 * The contact sidebar's custom fields: the definitions in display order,
 * the contact's values by field key (a missing key is empty; dates are
 * YYYY-MM-DD), and whether the member may edit them (`contacts.manage`,
 * through PUT /w/:workspace/contacts/:contact with `{ fields }`).
 */
export type ContactFieldsPanel = {
  fields: ContactFieldDef[]
  values: Record<string, string | number | boolean | null>
  canEdit: boolean
}

/** Props of the Inertia page `inbox/index`. */
export type InboxPageProps = {
  filters: ConversationFilters
  page: ConversationPage
  counts: InboxCounts
  /** The open conversation when the URL names one (/inbox/:conversation). */
  conversation: ConversationDetail | null
  thread: ThreadPage | null
  agents: (AgentRef & { availability: string })[]
  teams: TeamRef[]
  channels: ChannelRef[]
  tags: TagRef[]
  savedFilters: { id: string; name: string; filters: ConversationFilters }[]
  /** The workspace's saved contact segments for the filter; null without `contacts.view`. */
  segments?: SegmentRef[] | null
  me: AgentRef & { availability: string; notifyDesktop: boolean; notifySound: boolean }
  /** Meta's media limits for the composer's pre-upload check, by kind: max bytes and mime types. */
  mediaLimits: Record<string, { maxBytes: number; mimeTypes: string[] }>
  /** The Transmit channel of this workspace's inbox. */
  realtimeChannel: string
}

/** One item of a realtime push on `workspaces/<id>/inbox` (payload `{ items }`). */
export type InboxPushItem =
  | {
      /** `note.created`: an internal note was added (never sent to the customer). */
      kind: 'message.received' | 'message.queued' | 'message.status' | 'note.created'
      conversation: string
      message: string
      status: string
      /** Assignee membership public id, so a browser knows the message is for "me". */
      assignee?: string | null
    }
  | {
      kind: 'conversation.updated'
      conversation: string
      /** What changed: status, assignee, team, tags, priority, read. */
      changes: string[]
      /** The conversation's status after the change. */
      status?: string
      assignee?: string | null
    }
  | {
      kind: 'note.mention'
      conversation: string
      message: string
      /** Membership public ids mentioned. */
      mentioned: string[]
    }
