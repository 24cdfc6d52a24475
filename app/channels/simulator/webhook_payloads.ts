import { randomBytes } from 'node:crypto'
import { webhookError } from './errors.js'
import type { WebhookError } from './errors.js'
import { bsuidFor, countryOf } from './ids.js'
import type {
  InboundMessageInput,
  SentMessage,
  SimulatorNumber,
  StatusName,
  StatusOptions,
  StoredMedia,
} from './types.js'

type Json = Record<string, unknown>

export type WebhookChange = { field: string; value: Json }
export type WebhookEntry = { id: string; time?: number; changes: WebhookChange[] }

/** `{ object: 'whatsapp_business_account', entry: [...] }` (reference §1.4). */
export function envelope(entries: WebhookEntry[]) {
  return { object: 'whatsapp_business_account', entry: entries }
}

export function metadataOf(number: SimulatorNumber) {
  return {
    display_phone_number: number.displayPhoneNumber.replace(/\D/g, ''),
    phone_number_id: number.phoneNumberId,
  }
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const DEFAULT_MIME: Record<string, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg; codecs=opus',
  document: 'application/pdf',
  sticker: 'image/webp',
}

/** A few bytes with the right magic number, for seeded inbound media. */
export function sampleBytes(mime: string): Buffer {
  const filler = randomBytes(64)
  switch (mime.split(';')[0].trim()) {
    case 'image/jpeg':
      return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), filler])
    case 'image/png':
      return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), filler])
    case 'image/webp':
      return Buffer.concat([Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'), filler])
    case 'video/mp4':
      return Buffer.concat([Buffer.from('\x00\x00\x00\x18ftypmp42', 'latin1'), filler])
    case 'audio/ogg':
      return Buffer.concat([Buffer.from('OggS', 'latin1'), filler])
    case 'application/pdf':
      return Buffer.concat([Buffer.from('%PDF-1.4\n', 'latin1'), filler])
    default:
      return filler
  }
}

export type InboundContext = {
  number: SimulatorNumber
  wamid: string
  timestamp: string
  /** Stores bytes as inbound media and returns the stored record. */
  seedMedia: (bytes: Buffer, mime: string, filename: string | null) => StoredMedia
  findMedia: (id: string) => StoredMedia | undefined
}

/**
 * Builds `contacts[0]` and `messages[0]` for one inbound message
 * (reference §1.4, §1.5, §1.12).
 */
export function buildInbound(input: InboundMessageInput, ctx: InboundContext) {
  const waId = input.from.replace(/\D/g, '')
  const phoneMode = input.phone ?? 'present'
  const userId = input.userId === null ? null : (input.userId ?? bsuidFor(ctx.number.wabaId, waId))

  const profile: Json = { name: input.name ?? `User ${waId.slice(-4)}` }
  if (input.username) profile.username = input.username
  const contact: Json = { profile }
  if (phoneMode === 'present') contact.wa_id = waId
  else if (phoneMode === 'empty') contact.wa_id = ''
  if (userId) {
    contact.user_id = userId
    contact.country_code = countryOf(waId)
  }
  if (input.parentUserId) contact.parent_user_id = input.parentUserId

  const message: Json = {}
  if (input.context) message.context = input.context
  if (phoneMode === 'present') message.from = waId
  else if (phoneMode === 'empty') message.from = ''
  if (userId) message.from_user_id = userId
  message.id = ctx.wamid
  message.timestamp = ctx.timestamp
  message.type = input.type
  message[input.type] = inboundPayload(input, ctx)
  if (input.referral) message.referral = input.referral
  const errors =
    input.errors ??
    (input.type === 'unsupported' ? [webhookError(131051, 'Message type unknown')] : undefined)
  if (errors) message.errors = errors
  return { contact, message }
}

function inboundPayload(input: InboundMessageInput, ctx: InboundContext): unknown {
  const raw = input[input.type]
  switch (input.type) {
    case 'text':
      return typeof raw === 'string' ? { body: raw } : (raw ?? { body: '' })
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return inboundMedia(input.type, isObject(raw) ? raw : {}, ctx)
    case 'reaction':
      return raw ?? {}
    case 'unsupported':
      return raw ?? { type: 'unknown' }
    default:
      return raw ?? {}
  }
}

function inboundMedia(type: string, raw: Json, ctx: InboundContext): Json {
  const { bytes, mime_type: mimeType, id, ...rest } = raw
  let stored = typeof id === 'string' ? ctx.findMedia(id) : undefined
  if (!stored && typeof id !== 'string') {
    const mime = typeof mimeType === 'string' ? mimeType : DEFAULT_MIME[type]
    const data =
      bytes instanceof Uint8Array
        ? Buffer.from(bytes)
        : typeof bytes === 'string'
          ? Buffer.from(bytes)
          : sampleBytes(mime)
    const filename =
      typeof rest.filename === 'string'
        ? rest.filename
        : type === 'document'
          ? 'document.pdf'
          : null
    stored = ctx.seedMedia(data, mime, filename)
  }
  const payload: Json = {}
  if (type === 'document') payload.filename = rest.filename ?? stored?.filename ?? 'document.pdf'
  if (rest.caption !== undefined) payload.caption = rest.caption
  payload.mime_type = stored?.mimeType ?? mimeType ?? DEFAULT_MIME[type]
  // Webhooks carry the hash as base64; GET /{media-id} returns hex.
  payload.sha256 = stored
    ? Buffer.from(stored.sha256, 'hex').toString('base64')
    : (rest.sha256 ?? randomBytes(32).toString('base64'))
  payload.id = stored?.id ?? id
  if (type === 'audio') payload.voice = rest.voice ?? payload.mime_type === 'audio/ogg; codecs=opus'
  if (type === 'sticker') payload.animated = rest.animated ?? false
  for (const [key, value] of Object.entries(rest)) {
    if (!(key in payload) && key !== 'sha256') payload[key] = value
  }
  return payload
}

/** API versions before v24 still carry the `conversation` object. */
function hasConversationObject(apiVersion: string): boolean {
  const major = Number(/^v?(\d+)/.exec(apiVersion)?.[1] ?? 24)
  return major < 24
}

/**
 * One `statuses[]` item (reference §1.6): pricing on `sent` and on
 * `delivered` (never on `read` too), errors only on `failed`.
 */
export function buildStatus(
  wamid: string,
  status: StatusName,
  options: StatusOptions & { timestamp: number },
  sent: SentMessage | undefined,
  apiVersion: string,
  templateCategory: string | null
): Json {
  const item: Json = { id: wamid, status, timestamp: String(options.timestamp) }
  const recipient = options.recipientId ?? sent?.waId ?? null
  if (recipient) item.recipient_id = recipient
  if (sent?.bsuid) item.recipient_user_id = sent.bsuid
  const callbackData = options.callbackData ?? sent?.callbackData
  if (callbackData) item.biz_opaque_callback_data = callbackData

  const isTemplate = sent?.type === 'template'
  const category = isTemplate ? (templateCategory ?? 'utility') : 'service'
  const free = !isTemplate || category === 'utility'
  if (status !== 'failed' && status !== 'read' && status !== 'played') {
    if (hasConversationObject(apiVersion)) {
      item.conversation = {
        id: randomBytes(16).toString('hex'),
        ...(status === 'sent'
          ? { expiration_timestamp: String(options.timestamp + 24 * 3600) }
          : {}),
        origin: { type: category },
      }
    }
    if (options.pricing !== null) {
      item.pricing = options.pricing ?? {
        billable: !free,
        pricing_model: 'PMP',
        type: free ? 'free_customer_service' : 'regular',
        category,
      }
    }
  }
  if (status === 'failed') {
    const errors: WebhookError[] = options.errors ?? [
      webhookError(options.errorCode ?? sent?.failureCode ?? 131000, options.errorDetails),
    ]
    item.errors = errors
  }
  return item
}
