import env from '#start/env'
import redisConfig from '#config/redis'
import { DatabaseQueue } from '#core/queue/database_queue'
import { RedisQueue } from '#core/queue/redis_queue'
import type { Queue } from '#core/queue/types'

/** A queue driver: the `Queue` contract plus closing its connections. */
export type QueueDriver = Queue & { close(): Promise<void> }

export type QueueOverrides = {
  driver?: 'database' | 'redis'
  concurrency?: number
  /** Database driver only: reservation length without a heartbeat. */
  visibilityTimeoutMs?: number
}

let instance: QueueDriver | null = null

/**
 * A new driver from the environment: QUEUE_DRIVER (`database` by default,
 * or `redis`: BullMQ on the `main` connection of config/redis.ts) and
 * QUEUE_CONCURRENCY (default 4).
 */
export function createQueue(overrides: QueueOverrides = {}): QueueDriver {
  const driver = overrides.driver ?? env.get('QUEUE_DRIVER') ?? 'database'
  const concurrency = overrides.concurrency ?? env.get('QUEUE_CONCURRENCY') ?? 4
  if (driver === 'redis') {
    const main = redisConfig.connections.main
    return new RedisQueue({
      connection: {
        host: main.host ?? '127.0.0.1',
        port: Number(main.port ?? 6379),
        password: main.password || undefined,
        db: main.db ?? 0,
      },
      concurrency,
    })
  }
  return new DatabaseQueue({ concurrency, visibilityTimeoutMs: overrides.visibilityTimeoutMs })
}

/**
 * The process's queue: `queue().dispatch(name, payload, { workspaceId })`.
 */
export function queue(): QueueDriver {
  if (!instance) instance = createQueue()
  return instance
}

/** Replaces the process's queue (the worker command with its flags; tests). */
export function useQueue(driver: QueueDriver | null) {
  instance = driver
}

/** Closes the process's queue, if one was created. */
export async function closeQueue() {
  const current = instance
  instance = null
  if (current) await current.close()
}
