import env from '#start/env'
import { redisConfigured } from '#config/redis'
import { errors, type Limiter } from '@adonisjs/limiter'
import { channelPacer, clampMps, type ChannelPacer } from '#channels/pacer'

/**
 * Outbound messages per second per channel (reference §4.1: 80 mps per
 * number by default), shared by every worker process through
 * `@adonisjs/limiter`. The outbound job asks before each send:
 *
 *   const slot = await channelRateLimiter.acquire(channel)
 *   if (!slot.allowed) job.releaseAfter(slot.retryAfterMs)
 *
 * The limit is CHANNEL_RATE_LIMIT_MPS (default 80), overridden per channel
 * by `channel.settings.mps` (e.g. 20 for coexistence numbers, 1000 after a
 * throughput upgrade).
 *
 * Store: LIMITER_STORE when set, else Redis when REDIS_HOST is set, else the
 * database. The memory store is per process: tests and single-process
 * installs only.
 */

export type LimiterStoreName = 'database' | 'memory' | 'redis'

export type AcquireResult = { allowed: true } | { allowed: false; retryAfterMs: number }

/** A channel id, or a channel (its `settings.mps` overrides the default). */
export type RateLimitedChannel =
  string | number | { id: string | number; settings?: Record<string, unknown> | null }

type LimiterFactory = (store: LimiterStoreName, requests: number) => Promise<Limiter>

export type ChannelRateLimiterOptions = {
  store?: LimiterStoreName
  /** Default messages per second (default CHANNEL_RATE_LIMIT_MPS, then 80). */
  defaultMps?: number
  /** Extra random delay added to `retryAfterMs` to spread retries (default 200 ms). */
  jitterMs?: number
  /** Injected limiter factory (tests); defaults to the `limiter` service. */
  limiterFor?: LimiterFactory
  /**
   * Take slots from the shared channel pacer (app/channels/pacer.ts)
   * instead of a fixed one-second window: the process-wide limiter does,
   * so inbox sends and campaign sends share one budget per channel.
   */
  pacer?: ChannelPacer
}

export const DEFAULT_CHANNEL_MPS = 80

/** `settings.mps` when it is a positive number, else the default. */
export function channelMps(
  settings: Record<string, unknown> | null | undefined,
  defaultMps: number
): number {
  const raw = settings?.mps
  const mps = typeof raw === 'string' ? Number(raw) : raw
  return typeof mps === 'number' && Number.isFinite(mps) && mps > 0 ? Math.floor(mps) : defaultMps
}

function defaultStore(): LimiterStoreName {
  return env.get('LIMITER_STORE') ?? (redisConfigured ? 'redis' : 'database')
}

const serviceLimiter: LimiterFactory = async (store, requests) => {
  const { default: limiter } = await import('@adonisjs/limiter/services/main')
  return limiter.use(store, { requests, duration: '1 sec' })
}

export class ChannelRateLimiter {
  readonly store: LimiterStoreName
  readonly defaultMps: number
  readonly jitterMs: number
  #limiterFor: LimiterFactory
  #pacer: ChannelPacer | null

  constructor(options: ChannelRateLimiterOptions = {}) {
    this.store = options.store ?? defaultStore()
    const configured = options.defaultMps ?? env.get('CHANNEL_RATE_LIMIT_MPS')
    this.defaultMps =
      typeof configured === 'number' && configured > 0
        ? Math.floor(configured)
        : DEFAULT_CHANNEL_MPS
    this.jitterMs = Math.max(0, options.jitterMs ?? 200)
    this.#limiterFor = options.limiterFor ?? serviceLimiter
    this.#pacer = options.pacer ?? null
  }

  key(channelId: string | number) {
    return `channel_outbound_${channelId}`
  }

  /**
   * Takes one slot of the channel's current second, or tells how long to wait.
   */
  /**
   * Runs `send` inside this process's send window of the channel (see
   * `SendWindow` in pacer.ts), shared with campaign dispatch: it waits
   * while the requests in flight plus those answered in the last second
   * are at the limit, so no second at Meta holds more than the limit of
   * this process's sends, whatever the network delays.
   */
  async withinWindow<T>(channel: RateLimitedChannel, send: () => Promise<T>): Promise<T> {
    const id = typeof channel === 'object' ? channel.id : channel
    const settings = typeof channel === 'object' ? channel.settings : null
    const window = channelPacer.window(id, clampMps(channelMps(settings, this.defaultMps)))
    for (let wait = window.tryStart(); wait > 0; wait = window.tryStart()) {
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
    try {
      return await send()
    } finally {
      window.finish()
    }
  }

  async acquire(
    channel: RateLimitedChannel,
    options: { mps?: number } = {}
  ): Promise<AcquireResult> {
    const id = typeof channel === 'object' ? channel.id : channel
    const settings = typeof channel === 'object' ? channel.settings : null
    const mps = options.mps ?? channelMps(settings, this.defaultMps)
    if (this.#pacer) {
      // Waits for a slot up to one second ahead, else comes back later.
      const slot = await this.#pacer.acquire(id, clampMps(mps), 1000)
      if (slot.allowed) return slot
      return {
        allowed: false,
        retryAfterMs: slot.retryAfterMs + Math.floor(Math.random() * this.jitterMs),
      }
    }
    const limiter = await this.#limiterFor(this.store, mps)
    try {
      await limiter.consume(this.key(id))
      return { allowed: true }
    } catch (error) {
      if (!(error instanceof errors.E_TOO_MANY_REQUESTS)) throw error
      const waitMs = Math.max(1, error.response.availableIn) * 1000
      return { allowed: false, retryAfterMs: waitMs + Math.floor(Math.random() * this.jitterMs) }
    }
  }
}

/**
 * The process-wide limiter used by the outbound (inbox) job: it paces
 * through the same per-channel pacer as campaign dispatch, so both count
 * against one budget.
 */
export const channelRateLimiter = new ChannelRateLimiter({ pacer: channelPacer })
