import { createHash, randomBytes } from 'node:crypto'

/**
 * Opaque tokens for links sent by email. The token travels in the link;
 * only its SHA-256 is stored, so a database leak cannot be replayed.
 */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashToken(token) }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
