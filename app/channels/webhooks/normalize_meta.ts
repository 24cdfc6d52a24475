/**
 * Turns a Meta webhook envelope into flat, typed updates. Pure: no
 * database, no clock. Loops over every entry, every change and every array
 * element (Meta batches up to 1000 updates in one POST).
 */

export type InboundMedia = {
  id: string
  mimeType: string | null
  sha256: string | null
  filename: string | null
}

export type NormalizedMessage = {
  kind: 'message'
  wabaId: string | null
  phoneNumberId: string
  displayPhoneNumber: string | null
  contact: { waId: string | null; bsuid: string | null; profileName: string | null }
  providerMessageId: string
  type: string
  timestamp: number | null
  body: string | null
  replyTo: string | null
  media: InboundMedia | null
  /** The type object plus context, referral and errors, as Meta sent them. */
  payload: Record<string, unknown>
}

export type NormalizedStatus = {
  kind: 'status'
  wabaId: string | null
  phoneNumberId: string
  providerMessageId: string
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'played'
  timestamp: number | null
  recipientId: string | null
  error: { code: number | null; title: string | null; message: string | null } | null
  pricing: Record<string, unknown> | null
  /** `biz_opaque_callback_data` echoed from the send (campaign sends: `cr:<recipient id>`). */
  callbackData?: string | null
}

export type NormalizedOther = {
  kind: 'other'
  wabaId: string | null
  field: string
  phoneNumberId: string | null
  value: Record<string, unknown>
}

export type NormalizedUpdate = NormalizedMessage | NormalizedStatus | NormalizedOther

type Json = Record<string, any>

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker'])
const STATUSES = new Set(['sent', 'delivered', 'read', 'failed', 'played'])

export class MalformedWebhookError extends Error {}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null
}

function unixSeconds(value: unknown): number | null {
  const number =
    typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : Number.NaN
  return Number.isFinite(number) ? number : null
}

/**
 * A short text for lists, search and notifications.
 */
export function summaryOf(type: string, message: Json): string | null {
  const body = message[type] ?? {}
  switch (type) {
    case 'text':
      return text(body.body)
    case 'image':
    case 'video':
      return text(body.caption)
    case 'document':
      return text(body.caption) ?? text(body.filename)
    case 'location':
      return text(body.name) ?? text(body.address) ?? `${body.latitude},${body.longitude}`
    case 'contacts':
      return (
        (Array.isArray(message.contacts) ? message.contacts : [])
          .map((card: Json) => card?.name?.formatted_name)
          .filter(Boolean)
          .join(', ') || null
      )
    case 'interactive': {
      const reply = body.button_reply ?? body.list_reply
      if (reply) return text(reply.title)
      if (body.nfm_reply) return text(body.nfm_reply.body) ?? 'Flow response'
      return null
    }
    case 'button':
      return text(body.text) ?? text(body.payload)
    case 'reaction':
      return typeof body.emoji === 'string' ? body.emoji : ''
    case 'order':
      return text(body.text)
    case 'system':
      return text(body.body)
    default:
      return null
  }
}

function mediaOf(type: string, message: Json): InboundMedia | null {
  if (!MEDIA_TYPES.has(type)) return null
  const body = message[type]
  if (!body || typeof body.id !== 'string') return null
  return {
    id: body.id,
    mimeType: text(body.mime_type),
    sha256: text(body.sha256),
    filename: text(body.filename),
  }
}

function contactFor(message: Json, contacts: Json[]) {
  const from = text(message.from)
  const match =
    contacts.find((contact) => from && contact.wa_id === from) ??
    contacts.find((contact) => message.from_user_id && contact.user_id === message.from_user_id) ??
    (contacts.length === 1 ? contacts[0] : undefined)
  return {
    // An empty `from`/`wa_id` (2025 wording) and a missing one (2026) both mean "no phone".
    waId: from ?? text(match?.wa_id),
    bsuid: text(match?.user_id) ?? text(message.from_user_id),
    profileName: text(match?.profile?.name),
  }
}

function payloadOf(type: string, message: Json): Record<string, unknown> {
  const payload: Record<string, unknown> = {}
  if (message[type] !== undefined) payload[type] = message[type]
  if (type === 'contacts' && Array.isArray(message.contacts)) payload.contacts = message.contacts
  for (const key of ['context', 'referral', 'errors', 'identity']) {
    if (message[key] !== undefined) payload[key] = message[key]
  }
  return payload
}

export function normalizeMetaWebhook(envelope: unknown): NormalizedUpdate[] {
  if (!envelope || typeof envelope !== 'object')
    throw new MalformedWebhookError('Body is not a JSON object')
  const root = envelope as Json
  if (root.object !== 'whatsapp_business_account') {
    throw new MalformedWebhookError(`Unexpected object "${String(root.object)}"`)
  }
  if (!Array.isArray(root.entry)) throw new MalformedWebhookError('Missing entry[]')

  const updates: NormalizedUpdate[] = []
  for (const entry of root.entry as Json[]) {
    const wabaId = text(entry?.id)
    for (const change of Array.isArray(entry?.changes) ? (entry.changes as Json[]) : []) {
      const field = String(change?.field ?? '')
      const value: Json = change?.value ?? {}
      const phoneNumberId = text(value?.metadata?.phone_number_id)

      if (field !== 'messages' || !phoneNumberId) {
        updates.push({ kind: 'other', wabaId, field, phoneNumberId, value })
        continue
      }
      const displayPhoneNumber = text(value.metadata?.display_phone_number)
      const contacts: Json[] = Array.isArray(value.contacts) ? value.contacts : []

      for (const message of Array.isArray(value.messages) ? (value.messages as Json[]) : []) {
        const providerMessageId = text(message?.id)
        if (!providerMessageId) continue
        const type = text(message.type) ?? 'unsupported'
        updates.push({
          kind: 'message',
          wabaId,
          phoneNumberId,
          displayPhoneNumber,
          contact: contactFor(message, contacts),
          providerMessageId,
          type,
          timestamp: unixSeconds(message.timestamp),
          body: summaryOf(type, message),
          replyTo: text(message.context?.id),
          media: mediaOf(type, message),
          payload: payloadOf(type, message),
        })
      }

      for (const status of Array.isArray(value.statuses) ? (value.statuses as Json[]) : []) {
        const providerMessageId = text(status?.id)
        if (!providerMessageId || !STATUSES.has(status.status)) continue
        const error = Array.isArray(status.errors) && status.errors[0] ? status.errors[0] : null
        updates.push({
          kind: 'status',
          wabaId,
          phoneNumberId,
          providerMessageId,
          status: status.status,
          timestamp: unixSeconds(status.timestamp),
          recipientId: text(status.recipient_id),
          error: error
            ? {
                code: typeof error.code === 'number' ? error.code : null,
                title: text(error.title),
                message: text(error.error_data?.details) ?? text(error.message),
              }
            : null,
          pricing: status.pricing ?? null,
          callbackData: text(status.biz_opaque_callback_data),
        })
      }

      if (Array.isArray(value.errors) && value.errors.length) {
        updates.push({ kind: 'other', wabaId, field: 'messages.errors', phoneNumberId, value })
      }
    }
  }
  return updates
}
