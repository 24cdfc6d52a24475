/**
 * A Baileys WAMessage → what `ctx.inbox.ingest` takes (type, short body,
 * WhatsApp-shaped payload). Returns null for what the inbox does not
 * record (protocol messages, reactions, receipts, empty stubs).
 */
export type NormalizedContent = {
  type: string
  body: string | null
  payload: Record<string, unknown>
  /** An attachment: its Baileys media type, message field and sub-message (mediaKey, directPath...). */
  media?: { type: string; field: string; message: Record<string, any> }
}

function unwrap(message: Record<string, any> | null | undefined): Record<string, any> | null {
  let current = message ?? null
  for (let depth = 0; current && depth < 4; depth++) {
    const inner =
      current.ephemeralMessage?.message ??
      current.viewOnceMessage?.message ??
      current.viewOnceMessageV2?.message ??
      current.documentWithCaptionMessage?.message ??
      current.editedMessage?.message
    if (!inner) break
    current = inner
  }
  return current
}

const MEDIA: Record<string, string> = {
  imageMessage: 'image',
  videoMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
}

export function normalizeContent(
  raw: Record<string, any> | null | undefined
): NormalizedContent | null {
  const message = unwrap(raw)
  if (!message) return null
  if (typeof message.conversation === 'string' && message.conversation) {
    return {
      type: 'text',
      body: message.conversation,
      payload: { text: { body: message.conversation } },
    }
  }
  const extended = message.extendedTextMessage?.text
  if (typeof extended === 'string' && extended) {
    return { type: 'text', body: extended, payload: { text: { body: extended } } }
  }
  for (const [field, type] of Object.entries(MEDIA)) {
    const media = message[field]
    if (!media) continue
    const caption = typeof media.caption === 'string' ? media.caption : null
    return {
      type,
      body: caption ?? (media.fileName ? String(media.fileName) : `[${type}]`),
      payload: {
        [type]: {
          mime_type: media.mimetype ?? null,
          caption,
          filename: media.fileName ?? null,
        },
      },
      media: { type, field, message: media },
    }
  }
  if (message.locationMessage) {
    const location = message.locationMessage
    return {
      type: 'location',
      body: location.name ?? location.address ?? null,
      payload: {
        location: {
          latitude: location.degreesLatitude ?? null,
          longitude: location.degreesLongitude ?? null,
          name: location.name ?? null,
          address: location.address ?? null,
        },
      },
    }
  }
  if (message.contactMessage) {
    return {
      type: 'contacts',
      body: message.contactMessage.displayName ?? null,
      payload: {
        contacts: [{ name: { formatted_name: message.contactMessage.displayName ?? '' } }],
      },
    }
  }
  return null
}

/** messageTimestamp is a number, a Long or a string. */
export function timestampOf(value: unknown): number | null {
  if (value === null || value === undefined) return null
  const number = Number(typeof value === 'object' ? String(value) : value)
  return Number.isFinite(number) && number > 0 ? number : null
}
