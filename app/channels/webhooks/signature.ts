import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Verifies `X-Hub-Signature-256: sha256=<hex>`: an HMAC-SHA256 of the raw
 * request bytes keyed with the Meta app secret, compared in constant time.
 * Hash the bytes as received; re-serialised JSON would not match (Meta
 * escapes non-ASCII characters as \uXXXX).
 */
export function verifyMetaSignature(
  rawBody: Buffer,
  header: string | undefined | null,
  appSecret: string
): boolean {
  if (!header || !header.startsWith('sha256=')) return false
  const received = Buffer.from(header.slice('sha256='.length).trim(), 'hex')
  const expected = createHmac('sha256', appSecret).update(rawBody).digest()
  return received.length === expected.length && timingSafeEqual(received, expected)
}
