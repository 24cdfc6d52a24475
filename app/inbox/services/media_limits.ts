import {
  MediaTooLargeException,
  MediaTypeNotAllowedException,
} from '#inbox/exceptions/inbox_exceptions'

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker'

const MB = 1024 * 1024
const KB = 1024

/**
 * What WhatsApp accepts for outbound media, by kind (Meta's media
 * reference, /work/shared/reference/meta-cloud-api.md §2.9). Stickers are
 * 100 KB static, 500 KB animated: the composer checks the animated limit
 * and the server tells the two apart from the WebP header.
 */
export const MEDIA_LIMITS: Record<MediaKind, { maxBytes: number; mimeTypes: string[] }> = {
  image: { maxBytes: 5 * MB, mimeTypes: ['image/jpeg', 'image/png'] },
  video: { maxBytes: 16 * MB, mimeTypes: ['video/mp4', 'video/3gpp'] },
  audio: {
    maxBytes: 16 * MB,
    mimeTypes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'],
  },
  document: {
    maxBytes: 100 * MB,
    mimeTypes: [
      'text/plain',
      'application/pdf',
      'application/msword',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.ms-excel',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
  },
  sticker: { maxBytes: 500 * KB, mimeTypes: ['image/webp'] },
}

export const STATIC_STICKER_MAX_BYTES = 100 * KB

export function mediaKindOf(mime: string): MediaKind | null {
  const clean = mime.split(';')[0].trim().toLowerCase()
  for (const [kind, limits] of Object.entries(MEDIA_LIMITS)) {
    if (limits.mimeTypes.includes(clean)) return kind as MediaKind
  }
  return null
}

/** An animated WebP has a VP8X chunk with the animation flag (0x02). */
export function isAnimatedWebp(head: Uint8Array): boolean {
  const ascii = (start: number, end: number) => String.fromCharCode(...head.subarray(start, end))
  return head.length >= 21 && ascii(12, 16) === 'VP8X' && (head[20] & 0x02) !== 0
}

const human = (bytes: number) =>
  bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / KB)} KB`

/**
 * Refuses an attachment WhatsApp would refuse (type, then size), before
 * anything is stored. Returns the message type to send it as.
 */
export function checkAttachment(file: {
  mime: string
  size: number
  head?: Uint8Array
}): MediaKind {
  const kind = mediaKindOf(file.mime)
  if (!kind) {
    const type = file.mime || 'unknown'
    throw new MediaTypeNotAllowedException(
      `WhatsApp does not accept ${type} files. Send an image (JPEG, PNG), a video (MP4, 3GPP), audio (AAC, AMR, MP3, M4A, OGG), a sticker (WebP) or a document (PDF, text, Word, Excel, PowerPoint).`
    ).withParams({ type })
  }
  let max = MEDIA_LIMITS[kind].maxBytes
  if (kind === 'sticker' && file.head && !isAnimatedWebp(file.head)) max = STATIC_STICKER_MAX_BYTES
  if (file.size > max) {
    const params = { kind, size: human(file.size), max: human(max) }
    throw new MediaTooLargeException(
      `This ${kind} is ${params.size}; WhatsApp accepts at most ${params.max} for a ${kind}.`
    ).withParams(params)
  }
  return kind
}
