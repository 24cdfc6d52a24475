import logger from '@adonisjs/core/services/logger'
import { redisConfigured } from '#config/redis'
import { ChannelSendError } from '#channels/driver'

/**
 * A per-channel circuit breaker for outbound calls to the provider.
 *
 * - closed: calls go through; consecutive *transient* failures (network,
 *   timeouts, 5xx: a ChannelSendError with action `retry`) are counted;
 * - open: after `failureThreshold` of them, calls fail fast with a
 *   CircuitOpenError (action `wait`, `retryAfterMs`) for the cooldown;
 * - half-open: once the cooldown is over ONE probe goes through (claimed
 *   atomically in the store, so one across all workers); success closes the
 *   breaker, a transient failure re-opens it with the cooldown doubled
 *   (capped).
 *
 * Any answer from the provider that is not transient (a `give_up` such as
 * 131047, a `wait` such as 130429) proves the channel reachable and counts as
 * a success. Errors that are not ChannelSendErrors (bugs) count as neither.
 *
 * State lives in a BreakerStore: memory (per process) by default, Redis
 * (`parley:breaker:<channelId>`, shared by workers) when REDIS_HOST is set.
 * A store failure never blocks sending: the breaker then lets calls through.
 */

export type BreakerSnapshot = {
  /** Consecutive transient failures while closed. */
  failures: number
  /** Epoch ms until which the breaker is open; 0 when closed. */
  openUntil: number
  /** Cooldown of the current (or last) opening, doubled on each failed probe. */
  cooldownMs: number
  /** Epoch ms until which a half-open probe is in flight; 0 when none. */
  probeUntil: number
}

export type BreakerStateName = 'closed' | 'open' | 'half_open'

export interface BreakerStore {
  get(channelId: string): Promise<BreakerSnapshot | null>
  /** Atomically adds one consecutive failure; returns the new count. */
  incrementFailures(channelId: string): Promise<number>
  /** Opens (or re-opens) until `openUntil`; clears any probe claim. */
  open(channelId: string, openUntil: number, cooldownMs: number): Promise<void>
  /** Atomically claims the half-open probe unless one is in flight at `now`. */
  claimProbe(channelId: string, now: number, probeUntil: number): Promise<boolean>
  /** Closes: forgets failures, cooldown and probe. */
  reset(channelId: string): Promise<void>
}

export type CircuitBreakerOptions = {
  store?: BreakerStore
  /** Epoch ms; injected in tests. */
  clock?: () => number
  /** Consecutive transient failures that open the breaker (default 5). */
  failureThreshold?: number
  /** First cooldown (default 30 s). */
  cooldownMs?: number
  /** Cap of the doubled cooldown (default 10 min). */
  maxCooldownMs?: number
  /** How long a probe may take before another one is allowed (default 30 s). */
  probeTimeoutMs?: number
  /** Told when the store fails (default: a warning, at most once a minute). */
  onStoreError?: (error: unknown) => void
}

type ChannelId = string | number

/**
 * Thrown instead of calling the provider while the breaker is open. It is a
 * ChannelSendError with action `wait`, so the outbound job just releases the
 * job for `retryAfterMs`.
 */
export class CircuitOpenError extends ChannelSendError {
  constructor(
    public channelId: string,
    retryAfterMs: number
  ) {
    super(
      `Sending on this channel is paused after repeated failures to reach WhatsApp; next attempt in ${Math.ceil(retryAfterMs / 1000)} s.`,
      null,
      'wait',
      retryAfterMs,
      'circuit open'
    )
    this.name = 'CircuitOpenError'
  }
}

/** Transient failures are the ones the breaker counts. */
export function isTransientFailure(error: unknown): boolean {
  return (
    error instanceof ChannelSendError &&
    !(error instanceof CircuitOpenError) &&
    error.action === 'retry'
  )
}

/* ---------------------------------------------------------------- stores */

export class MemoryBreakerStore implements BreakerStore {
  #states = new Map<string, BreakerSnapshot>()

  #state(channelId: string): BreakerSnapshot {
    let state = this.#states.get(channelId)
    if (!state) {
      state = { failures: 0, openUntil: 0, cooldownMs: 0, probeUntil: 0 }
      this.#states.set(channelId, state)
    }
    return state
  }

  async get(channelId: string) {
    const state = this.#states.get(channelId)
    return state ? { ...state } : null
  }

  async incrementFailures(channelId: string) {
    const state = this.#state(channelId)
    state.failures += 1
    return state.failures
  }

  async open(channelId: string, openUntil: number, cooldownMs: number) {
    const state = this.#state(channelId)
    state.openUntil = openUntil
    state.cooldownMs = cooldownMs
    state.probeUntil = 0
  }

  async claimProbe(channelId: string, now: number, probeUntil: number) {
    const state = this.#state(channelId)
    if (state.probeUntil > now) return false
    state.probeUntil = probeUntil
    return true
  }

  async reset(channelId: string) {
    this.#states.delete(channelId)
  }
}

type RedisLike = {
  hgetall(key: string): Promise<Record<string, string>>
  del(key: string): Promise<number>
  eval(script: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>
}

const STATE_TTL_MS = 24 * 60 * 60 * 1000

const INCREMENT_SCRIPT = `
local n = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n`

const OPEN_SCRIPT = `
redis.call('HSET', KEYS[1], 'openUntil', ARGV[1], 'cooldownMs', ARGV[2], 'probeUntil', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`

const CLAIM_SCRIPT = `
local current = tonumber(redis.call('HGET', KEYS[1], 'probeUntil') or '0')
if current > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'probeUntil', ARGV[2])
return 1`

/**
 * Breaker state in one Redis hash per channel, `parley:breaker:<channelId>`,
 * updated by small Lua scripts so that workers share it atomically.
 */
export class RedisBreakerStore implements BreakerStore {
  #connection: Promise<RedisLike> | null = null

  constructor(
    connection?: RedisLike,
    readonly prefix = 'parley:breaker:'
  ) {
    if (connection) this.#connection = Promise.resolve(connection)
  }

  #redis(): Promise<RedisLike> {
    this.#connection ??= import('@adonisjs/redis/services/main').then(
      (module) => module.default.connection() as unknown as RedisLike
    )
    return this.#connection
  }

  key(channelId: string) {
    return `${this.prefix}${channelId}`
  }

  async get(channelId: string): Promise<BreakerSnapshot | null> {
    const hash = await (await this.#redis()).hgetall(this.key(channelId))
    if (!hash || Object.keys(hash).length === 0) return null
    return {
      failures: Number(hash.failures ?? 0) || 0,
      openUntil: Number(hash.openUntil ?? 0) || 0,
      cooldownMs: Number(hash.cooldownMs ?? 0) || 0,
      probeUntil: Number(hash.probeUntil ?? 0) || 0,
    }
  }

  async incrementFailures(channelId: string) {
    const redis = await this.#redis()
    return Number(await redis.eval(INCREMENT_SCRIPT, 1, this.key(channelId), STATE_TTL_MS))
  }

  async open(channelId: string, openUntil: number, cooldownMs: number) {
    const redis = await this.#redis()
    const ttl = Math.max(STATE_TTL_MS, cooldownMs * 4)
    await redis.eval(OPEN_SCRIPT, 1, this.key(channelId), openUntil, cooldownMs, ttl)
  }

  async claimProbe(channelId: string, now: number, probeUntil: number) {
    const redis = await this.#redis()
    return Number(await redis.eval(CLAIM_SCRIPT, 1, this.key(channelId), now, probeUntil)) === 1
  }

  async reset(channelId: string) {
    await (await this.#redis()).del(this.key(channelId))
  }
}

/* --------------------------------------------------------------- breaker */

export class CircuitBreaker {
  readonly store: BreakerStore
  readonly failureThreshold: number
  readonly cooldownMs: number
  readonly maxCooldownMs: number
  readonly probeTimeoutMs: number
  #clock: () => number
  #onStoreError: (error: unknown) => void
  #lastWarningAt = Number.NEGATIVE_INFINITY

  constructor(options: CircuitBreakerOptions = {}) {
    this.store = options.store ?? new MemoryBreakerStore()
    this.#clock = options.clock ?? Date.now
    this.#onStoreError = options.onStoreError ?? ((error) => this.#warn(error))
    this.failureThreshold = Math.max(1, options.failureThreshold ?? 5)
    this.cooldownMs = options.cooldownMs ?? 30_000
    this.maxCooldownMs = Math.max(this.cooldownMs, options.maxCooldownMs ?? 10 * 60_000)
    this.probeTimeoutMs = options.probeTimeoutMs ?? 30_000
  }

  /**
   * Runs `fn` through the breaker: throws CircuitOpenError without calling
   * it while open, and records the outcome otherwise.
   */
  async run<T>(channelId: ChannelId, fn: () => Promise<T>): Promise<T> {
    const { probe } = await this.acquire(channelId)
    let result: T
    try {
      result = await fn()
    } catch (error) {
      if (isTransientFailure(error)) await this.recordFailure(channelId, probe)
      else if (error instanceof ChannelSendError) await this.recordSuccess(channelId)
      throw error
    }
    await this.recordSuccess(channelId)
    return result
  }

  /**
   * Asks to call the provider. Resolves with `probe: true` for the single
   * half-open probe; throws CircuitOpenError while open.
   */
  async acquire(channelId: ChannelId): Promise<{ probe: boolean }> {
    const id = String(channelId)
    const now = this.#clock()
    try {
      const snapshot = await this.store.get(id)
      if (!snapshot || snapshot.openUntil === 0) return { probe: false }
      if (now < snapshot.openUntil) throw new CircuitOpenError(id, snapshot.openUntil - now)
      if (await this.store.claimProbe(id, now, now + this.probeTimeoutMs)) return { probe: true }
      const probeLeft = snapshot.probeUntil > now ? snapshot.probeUntil - now : this.probeTimeoutMs
      throw new CircuitOpenError(id, Math.max(1000, Math.min(probeLeft, this.cooldownMs)))
    } catch (error) {
      if (error instanceof CircuitOpenError) throw error
      this.#storeFailed(error)
      return { probe: false }
    }
  }

  /** A call succeeded (or the provider answered with a non-transient error). */
  async recordSuccess(channelId: ChannelId): Promise<void> {
    const id = String(channelId)
    try {
      const snapshot = await this.store.get(id)
      if (snapshot) await this.store.reset(id)
    } catch (error) {
      this.#storeFailed(error)
    }
  }

  /** A call failed transiently; `probe` says whether it was the half-open probe. */
  async recordFailure(channelId: ChannelId, probe = false): Promise<void> {
    const id = String(channelId)
    const now = this.#clock()
    try {
      const snapshot = await this.store.get(id)
      if (probe) {
        const previous = Math.max(snapshot?.cooldownMs ?? 0, this.cooldownMs)
        const cooldown = Math.min(previous * 2, this.maxCooldownMs)
        await this.store.open(id, now + cooldown, cooldown)
        return
      }
      // Already open or half-open: only the probe decides what comes next.
      if (snapshot && snapshot.openUntil > 0) return
      const failures = await this.store.incrementFailures(id)
      if (failures >= this.failureThreshold) {
        await this.store.open(id, now + this.cooldownMs, this.cooldownMs)
      }
    } catch (error) {
      this.#storeFailed(error)
    }
  }

  /** The breaker state of a channel, for the UI and tests. */
  async state(
    channelId: ChannelId
  ): Promise<{ state: BreakerStateName; failures: number; retryAfterMs: number | null }> {
    const snapshot = await this.store.get(String(channelId))
    const now = this.#clock()
    if (!snapshot || snapshot.openUntil === 0) {
      return { state: 'closed', failures: snapshot?.failures ?? 0, retryAfterMs: null }
    }
    if (now < snapshot.openUntil) {
      return { state: 'open', failures: snapshot.failures, retryAfterMs: snapshot.openUntil - now }
    }
    return { state: 'half_open', failures: snapshot.failures, retryAfterMs: 0 }
  }

  #storeFailed(error: unknown) {
    this.#onStoreError(error)
  }

  #warn(error: unknown) {
    const now = Date.now()
    if (now - this.#lastWarningAt < 60_000) return
    this.#lastWarningAt = now
    logger.warn({ err: error }, 'circuit breaker store unavailable; letting calls through')
  }
}

/** The process-wide breaker used by the outbound job. */
export const circuitBreaker = new CircuitBreaker({
  store: redisConfigured ? new RedisBreakerStore() : new MemoryBreakerStore(),
})
