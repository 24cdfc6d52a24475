import { createHash, randomBytes } from 'node:crypto'

/**
 * Uploaded media waiting to be sent, in this process's memory (a QR
 * number uploads media as part of the send itself). Bounded and expiring.
 */
const TTL_MS = 60 * 60_000
const MAX_ITEMS = 200

type Item = { bytes: Uint8Array; mimeType: string; sha256: string; at: number }
const items = new Map<string, Item>()

export const mediaStore = {
  put(bytes: Uint8Array, mimeType: string): string {
    const id = `qrm_${randomBytes(12).toString('hex')}`
    items.set(id, {
      bytes,
      mimeType,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      at: Date.now(),
    })
    while (items.size > MAX_ITEMS) items.delete(items.keys().next().value!)
    return id
  },
  get(id: string): Item | null {
    const item = items.get(id)
    if (!item) return null
    if (Date.now() - item.at > TTL_MS) {
      items.delete(id)
      return null
    }
    return item
  },
}
