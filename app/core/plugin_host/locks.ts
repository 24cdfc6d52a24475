import db from '@adonisjs/lucid/services/db'
import { isUniqueViolation } from '#core/helpers/db_errors'

/**
 * Leases for plugins (`ctx.locks`): one holder per key, expiring after a
 * TTL unless renewed, so another process takes over when the holder dies.
 * Redis (SET NX PX, compare-and-set scripts) when REDIS_HOST is set; the
 * `plugin_locks` table otherwise.
 */
export interface LeaseStore {
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>
  release(key: string, owner: string): Promise<void>
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

export const redisLeases: LeaseStore = {
  async acquire(key, owner, ttlMs) {
    const { default: redis } = await import('@adonisjs/redis/services/main')
    const connection = redis.connection()
    const taken = await connection.set(`parley:lock:${key}`, owner, 'PX', ttlMs, 'NX')
    if (taken === 'OK') return true
    return Number(await connection.eval(RENEW, 1, `parley:lock:${key}`, owner, ttlMs)) === 1
  },
  async release(key, owner) {
    const { default: redis } = await import('@adonisjs/redis/services/main')
    await redis.connection().eval(RELEASE, 1, `parley:lock:${key}`, owner)
  },
}

export const databaseLeases: LeaseStore = {
  async acquire(key, owner, ttlMs) {
    const now = Date.now()
    // Renew our own lease or take over an expired one, in one statement.
    const updated = await db
      .from('plugin_locks')
      .where('key', key)
      .where((where) => where.where('owner', owner).orWhere('expires_at', '<', now))
      .update({ owner, expires_at: now + ttlMs })
    if (Number(updated) > 0 || (Array.isArray(updated) && Number(updated[0]) > 0)) return true
    try {
      await db.table('plugin_locks').insert({ key, owner, expires_at: now + ttlMs })
      return true
    } catch (error) {
      if (isUniqueViolation(error)) return false
      throw error
    }
  },
  async release(key, owner) {
    await db.from('plugin_locks').where('key', key).where('owner', owner).delete()
  },
}

export async function leaseStore(): Promise<LeaseStore> {
  const { redisConfigured } = await import('#config/redis')
  return redisConfigured ? redisLeases : databaseLeases
}
