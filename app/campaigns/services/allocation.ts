/**
 * Deterministic A/B assignment with exact counts. Within each page of the
 * audience, contacts are ordered by a hash of (campaign, contact) so that
 * arms do not follow signup order; a smooth weighted round-robin then
 * gives the n-th contact the arm furthest behind its share. After any
 * number of contacts, every arm is within one of its exact share, and the
 * same audience always gets the same assignment.
 */

/** A 32-bit mix of two integers (murmur3's finaliser). */
export function mixHash(a: number, b: number): number {
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}

/** Orders ids by their hash for this campaign (ties by id). */
export function shuffleByHash<T extends { id: number }>(items: T[], seed: number): T[] {
  return items
    .map((item) => ({ item, key: mixHash(seed, item.id) }))
    .sort((a, b) => a.key - b.key || a.item.id - b.item.id)
    .map((entry) => entry.item)
}

/** Hands out arm indexes in proportion to `weights` (percentages). */
export class Allocator {
  private assigned: number[]
  private seen = 0
  private shares: number[]

  constructor(weights: number[]) {
    const total = weights.reduce((sum, weight) => sum + Math.max(0, weight), 0) || 1
    this.shares = weights.map((weight) => Math.max(0, weight) / total)
    this.assigned = weights.map(() => 0)
  }

  next(): number {
    this.seen++
    let best = 0
    let bestGap = -Infinity
    for (let index = 0; index < this.shares.length; index++) {
      const gap = this.shares[index] * this.seen - this.assigned[index]
      if (gap > bestGap + 1e-9) {
        best = index
        bestGap = gap
      }
    }
    this.assigned[best]++
    return best
  }

  counts(): number[] {
    return [...this.assigned]
  }
}
