import { MetaApiError } from './errors.js'

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker'

const MB = 1024 * 1024
const KB = 1024

/** Supported MIME types and size limits (reference §2.9). */
export const MEDIA_LIMITS: Record<string, { kind: MediaKind; maxBytes: number }> = {
  'image/jpeg': { kind: 'image', maxBytes: 5 * MB },
  'image/png': { kind: 'image', maxBytes: 5 * MB },
  'video/mp4': { kind: 'video', maxBytes: 16 * MB },
  'video/3gpp': { kind: 'video', maxBytes: 16 * MB },
  'audio/aac': { kind: 'audio', maxBytes: 16 * MB },
  'audio/amr': { kind: 'audio', maxBytes: 16 * MB },
  'audio/mpeg': { kind: 'audio', maxBytes: 16 * MB },
  'audio/mp4': { kind: 'audio', maxBytes: 16 * MB },
  'audio/ogg': { kind: 'audio', maxBytes: 16 * MB },
  'text/plain': { kind: 'document', maxBytes: 100 * MB },
  'application/pdf': { kind: 'document', maxBytes: 100 * MB },
  'application/msword': { kind: 'document', maxBytes: 100 * MB },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
    kind: 'document',
    maxBytes: 100 * MB,
  },
  'application/vnd.ms-excel': { kind: 'document', maxBytes: 100 * MB },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
    kind: 'document',
    maxBytes: 100 * MB,
  },
  'application/vnd.ms-powerpoint': { kind: 'document', maxBytes: 100 * MB },
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': {
    kind: 'document',
    maxBytes: 100 * MB,
  },
  // Stickers: 100 KB static, 500 KB animated (decided in checkMedia).
  'image/webp': { kind: 'sticker', maxBytes: 500 * KB },
}

/** `audio/ogg; codecs=opus` → `audio/ogg`. */
export function baseMime(mime: string): string {
  return mime.split(';')[0].trim().toLowerCase()
}

/**
 * The MIME type the bytes clearly are, for the formats with a magic number;
 * null when unknown (plain text, Office files, made-up test bytes…).
 */
export function sniffMime(bytes: Uint8Array): string | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 64))
  const ascii = (start: number, end: number) => b.subarray(start, end).toString('latin1')
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'image/png'
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp'
  if (ascii(0, 5) === '%PDF-') return 'application/pdf'
  if (ascii(0, 4) === 'OggS') return 'audio/ogg'
  if (ascii(0, 6) === '#!AMR\n') return 'audio/amr'
  if (ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 11)
    if (brand === '3gp') return 'video/3gpp'
    if (brand === 'M4A') return 'audio/mp4'
    return 'video/mp4'
  }
  return null
}

/** MIME types that share one container and are not a mismatch of each other. */
const COMPATIBLE: Record<string, string[]> = {
  'video/mp4': ['audio/mp4', 'video/3gpp'],
  'audio/mp4': ['video/mp4'],
  'video/3gpp': ['video/mp4'],
}

/**
 * Checks an upload against §2.9: supported MIME type, the declared type
 * matching the bytes, and the size limit. Throws 131053 otherwise.
 */
export function checkMedia(
  bytes: Uint8Array,
  declaredMime: string
): { mime: string; kind: MediaKind } {
  const mime = baseMime(declaredMime)
  const limits = MEDIA_LIMITS[mime]
  if (!limits) {
    throw new MetaApiError(131053, `Unsupported media type: ${mime || '(none)'}.`)
  }
  if (bytes.byteLength === 0) throw new MetaApiError(131053, 'The uploaded file is empty.')
  const sniffed = sniffMime(bytes)
  if (sniffed && sniffed !== mime && !COMPATIBLE[mime]?.includes(sniffed)) {
    throw new MetaApiError(
      131053,
      `Media type mismatch: declared ${mime} but the file content is ${sniffed}.`
    )
  }
  let maxBytes = limits.maxBytes
  if (mime === 'image/webp') {
    const animated = Buffer.from(bytes.subarray(0, 64)).includes('ANIM')
    maxBytes = animated ? 500 * KB : 100 * KB
  }
  if (bytes.byteLength > maxBytes) {
    throw new MetaApiError(
      131053,
      `File size ${bytes.byteLength} bytes exceeds the ${maxBytes} bytes limit for ${mime}.`
    )
  }
  return { mime, kind: limits.kind }
}

export type MultipartPart = {
  name: string
  filename: string | null
  contentType: string | null
  data: Buffer
}

/**
 * A small multipart/form-data parser: enough for `curl -F` and `FormData`
 * uploads (one level, no nested multipart).
 */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  if (!match) throw new MetaApiError(100, 'Multipart body without a boundary.')
  const boundary = (match[1] ?? match[2]).trim()
  const delimiter = Buffer.from(`--${boundary}`)
  const separator = Buffer.from(`\r\n--${boundary}`)

  const parts: MultipartPart[] = []
  let position = body.indexOf(delimiter)
  if (position < 0) throw new MetaApiError(100, 'Malformed multipart body.')
  position += delimiter.length
  for (;;) {
    if (body[position] === 0x2d && body[position + 1] === 0x2d) break // closing `--`
    if (body[position] === 0x0d && body[position + 1] === 0x0a) position += 2
    const headerEnd = body.indexOf('\r\n\r\n', position)
    if (headerEnd < 0) throw new MetaApiError(100, 'Malformed multipart body.')
    const next = body.indexOf(separator, headerEnd + 4)
    if (next < 0) throw new MetaApiError(100, 'Malformed multipart body.')

    const headers = new Map<string, string>()
    for (const line of body.subarray(position, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
    }
    const disposition = headers.get('content-disposition') ?? ''
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? ''
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null
    parts.push({
      name,
      filename,
      contentType: headers.get('content-type') ?? null,
      data: body.subarray(headerEnd + 4, next),
    })
    position = next + separator.length
  }
  return parts
}
