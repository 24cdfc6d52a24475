import { createHmac } from 'node:crypto'

/**
 * JSON the way Meta's webhook sender writes it: every character outside
 * ASCII is escaped as `\uXXXX` with lowercase hex (emoji become a surrogate
 * pair, `\ud83d\ude00`), and `/` is escaped as `\/`. Meta signs these exact
 * bytes, so a receiver that re-serializes parsed JSON gets a different
 * signature on anything non-ASCII (reference §1.2).
 */
export function serializeLikeMeta(value: unknown): string {
  const json = JSON.stringify(value)
  if (json === undefined) throw new TypeError('serializeLikeMeta: value is not serializable')
  // JSON.stringify never escapes '/', and '/' can only occur inside strings,
  // so every one of them becomes '\/'.
  return json.replace(/[\u0080-\uffff/]/g, (char) =>
    char === '/' ? '\\/' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/**
 * The `X-Hub-Signature-256` header value Meta sends with a webhook:
 * `sha256=` + hex HMAC-SHA256 of the raw body bytes (UTF-8), keyed with the
 * App Secret.
 */
export function signPayload(rawBody: string | Uint8Array, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`
}

/**
 * The legacy `X-Hub-Signature` (SHA-1) header Meta still sends alongside.
 */
export function signPayloadSha1(rawBody: string | Uint8Array, appSecret: string): string {
  return `sha1=${createHmac('sha1', appSecret).update(rawBody).digest('hex')}`
}
