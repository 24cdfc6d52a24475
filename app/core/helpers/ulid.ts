import { randomFillSync } from 'node:crypto'
import { ulid } from 'ulidx'

/**
 * ULIDs from a pool of cryptographically random bytes. `ulid()` alone
 * looks up a random source and makes one `getRandomValues` call per
 * character (17 system calls an id); the ingestion of a busy webhook batch
 * makes several ids per message, so the pool (refilled 4 KB at a time)
 * takes that off the worker. Same alphabet, same distribution.
 */
const pool = Buffer.alloc(4096)
let offset = pool.length

function pooledRandom(): number {
  if (offset >= pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  return pool[offset++] / 0xff
}

export function newUlid(): string {
  return ulid(undefined, pooledRandom)
}
