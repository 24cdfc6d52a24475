import type { WebhookError } from './errors.js'
import type { SendType } from './validate_send.js'

/** A business phone number the simulator knows. */
export type SimulatorNumber = {
  phoneNumberId: string
  wabaId: string
  /** As Meta shows it, e.g. `+1 555-010-0001`. */
  displayPhoneNumber: string
  verifiedName: string
  qualityRating?: 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN'
  /** `whatsapp_business_manager_messaging_limit`, default `TIER_2K`. */
  messagingLimit?: string
  /** Per-number throughput; defaults to the simulator's `mps`. */
  mps?: number
  /** Unregistered numbers answer sends with 133010 until `POST /register`. Default true. */
  registered?: boolean
}

export type MetaSimulatorOptions = {
  /** 0 (default) picks a free port. */
  port?: number
  /** Interface to listen on, default 127.0.0.1 (use 0.0.0.0 in containers). */
  host?: string
  /** Default `v24.0`. Requests under any `/vNN.N/` prefix (or none) are accepted. */
  apiVersion?: string
  /** Where webhooks are POSTed. Without it, they are built and recorded only. */
  webhookUrl?: string
  /** Signs webhooks (`X-Hub-Signature-256`) and is the expected OAuth `client_secret`. */
  appSecret?: string
  /** Expected OAuth `client_id` when set. */
  appId?: string
  /** Accepted bearer tokens. Empty or absent: any non-empty token. */
  accessTokens?: string[]
  /** Business numbers. Absent: one default number (see DEFAULT_NUMBER). */
  numbers?: SimulatorNumber[]
  /** Per-number send rate (messages per second); beyond it, 130429. Default 80. */
  mps?: number
  /** Random failures: with probability `rate`, one of `codes` (default [131000]). */
  failureInjection?: { rate?: number; codes?: number[] }
  /**
   * Pair rate limit (reference §4.3): more than `max` sends from one number
   * to one user within `windowMs` fail with 131056. Off by default.
   */
  pairRateLimit?: { max: number; windowMs: number }
  /** After each accepted send, POST `sent`, `delivered` and `read` status webhooks. */
  autoStatuses?: boolean
  /** Which statuses `autoStatuses` posts (default sent, delivered, read). */
  autoStatusSteps?: StatusName[]
  /**
   * Collect automatic (and async failure) statuses and post them together,
   * at most 1,000 per webhook, every this many ms (Meta batches too).
   * Without it each status is its own webhook.
   */
  statusBatchMs?: number
  /** Delay before each automatic status webhook, in ms (default 0). */
  statusDelayMs?: number
  /** Non-template sends outside a 24 h window (no simulated inbound) fail with 131047. */
  enforceWindow?: boolean
  /** Template sends need an APPROVED template of that name and language (132001/132015/132016). */
  strictTemplates?: boolean
  /** How many webhook deliveries `state.deliveries` keeps (default 1000). */
  keepDeliveries?: number
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number
  /** 0..1; default `Math.random` (failure injection). */
  random?: () => number
}

export type SentMessage = {
  /** The wamid returned to the caller. */
  id: string
  phoneNumberId: string
  /** `to` as sent. */
  input: string
  waId: string | null
  bsuid: string | null
  type: SendType
  /** The parsed request body. */
  body: Record<string, unknown>
  callbackData: string | null
  at: number
  /** Set when the send was accepted but fails later (status webhook). */
  failureCode: number | null
}

export type ReadReceipt = {
  phoneNumberId: string
  messageId: string
  typing: boolean
  at: number
}

export type StoredMedia = {
  id: string
  bytes: Buffer
  mimeType: string
  /** Hex, as `GET /{media-id}` returns it. */
  sha256: string
  fileSize: number
  filename: string | null
  phoneNumberId: string | null
  origin: 'upload' | 'inbound'
  createdAt: number
  /** 30 days for uploads, 7 days for inbound media (reference §2.9). */
  expiresAt: number
}

export type StoredTemplate = {
  id: string
  wabaId: string
  name: string
  language: string
  category: string
  status: string
  parameterFormat: 'positional' | 'named'
  components: Record<string, unknown>[]
  qualityScore: string
  rejectedReason: string
  createdAt: number
  /** Times (ms) of edits made while APPROVED, for Meta's edit limits. */
  approvedEdits?: number[]
}

export type BusinessProfile = {
  about: string
  address: string
  description: string
  email: string
  websites: string[]
  vertical: string
  profile_picture_url: string
}

export type Delivery = {
  /** Where it was POSTed; null when there was no webhook URL. */
  url: string | null
  field: string
  /** The exact bytes sent (as a string), as Meta serializes them. */
  raw: string
  /** `sha256=…`, or null without an app secret. */
  signature: string | null
  /** Receiver's HTTP status; 0 when not sent or on a network error. */
  status: number
  ok: boolean
  error: string | null
  at: number
}

export type StatusName = 'sent' | 'delivered' | 'read' | 'failed' | 'played'

export type StatusOptions = {
  /** Default: the number the wamid was sent from, else the first number. */
  phoneNumberId?: string
  /** Default: the wa_id the wamid was sent to. */
  recipientId?: string
  /** Unix seconds; default now. */
  timestamp?: number
  /** For `failed`: webhook errors, or just a code. */
  errors?: WebhookError[]
  errorCode?: number
  errorDetails?: string
  /** Override the pricing object; null leaves it out. */
  pricing?: Record<string, unknown> | null
  callbackData?: string
}

/**
 * One simulated inbound message. `type` names the payload key, e.g.
 * `{ type: 'text', text: 'hi' }` (or `text: { body }`),
 * `{ type: 'image', image: { caption, bytes?, mime_type? } }` (media is
 * seeded into the simulator so it can be downloaded),
 * `{ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } }`.
 */
export type InboundMessageInput = {
  /** Default: the first number. */
  phoneNumberId?: string
  /** The user's number (digits, `+` optional). */
  from: string
  /** Profile name; default derived from the number. */
  name?: string
  type: string
  /** wamid; default a new one (pass an old one to simulate a redelivery). */
  id?: string
  /** Unix seconds; default now. */
  timestamp?: number
  /** BSUID; default derived per WABA and number; null leaves it out (pre-2026 shape). */
  userId?: string | null
  username?: string
  parentUserId?: string
  /** Username users may arrive without a phone: `empty` wa_id (Nov 2025) or `omitted` (2026). */
  phone?: 'present' | 'empty' | 'omitted'
  context?: Record<string, unknown>
  referral?: Record<string, unknown>
  errors?: WebhookError[]
  [payload: string]: unknown
}

export type StatusEvent = { kind: 'status'; id: string; status: StatusName } & StatusOptions
export type BatchEvent = ({ kind?: 'message' } & InboundMessageInput) | StatusEvent

export type InboundResult = { wamid: string; delivery: Delivery; payload: unknown }
export type BatchResult = {
  wamids: string[]
  updates: number
  delivery: Delivery
  payload: unknown
}
