import env from '#start/env'
import db from '@adonisjs/lucid/services/db'
import { redisConfigured } from '#config/redis'
import { isUniqueViolation } from '#core/helpers/db_errors'

/**
 * The per-channel send pacer: a slot reservation scheme (GCRA) shared by
 * every worker and process, so a channel's messages per second hold in ANY
 * one-second window, not only in fixed windows.
 *
 * Each channel has a "next free slot" time (`tat`). Reserving `n` slots
 * hands out `tat, tat + I, …, tat + (n-1)·I` with `I = 1 s / effective mps`
 * and moves `tat` past them; a sender waits until its slot, then calls the
 * API. Slots are spaced evenly, so any one-second window holds at most
 * `effective mps` of them. A reservation is refused (with the wait) when
 * the first free slot is further ahead than `maxAheadMs`, so nobody holds
 * slots for long.
 *
 * Safety margin: the effective rate is `mps × (1 - PACER_MARGIN)` (2 %).
 * A sender may fire up to 20 ms after its slot (campaign dispatch gives a
 * later slot up and takes a fresh one), and 0.98 × 1.02 < 1: no one-second
 * window of departures holds more than `mps`, whichever processes send.
 * Where Meta counts, requests also arrive after a variable network and
 * event-loop delay; SendWindow (below) bounds that for the sends of one
 * process by construction.
 *
 * Stores: Redis (a Lua script using Redis' own clock, atomic across
 * processes and hosts) when LIMITER_STORE=redis or REDIS_HOST is set; else
 * the database (`channel_pacer`, one row per channel updated in a
 * transaction); memory for tests and single-process installs.
 */

export const PACER_MARGIN = 0.02
/** Meta's ceiling for one number (reference §4.1). */
export const MAX_CHANNEL_MPS = 1000

export type PacerStoreName = 'database' | 'memory' | 'redis'

/** Slots granted: the first at `startUs` (store clock), spaced `intervalUs`. */
export type Reservation = {
  granted: number
  /** Microseconds to wait (from the moment of the answer) before the first slot. */
  waitUs: number
  intervalUs: number
  /** The first slot on the store's clock (µs since the epoch), when granted. */
  startUs?: number
}

/** A reservation with its first slot on this process's clock. */
export type PacedReservation = Reservation & {
  /**
   * The first slot as `Date.now()` time (ms). The store's answer takes a
   * while to come back (a busy event loop, the network): "now + waitUs"
   * read on arrival would put every slot of the block late by that delay,
   * unseen. The store's own slot time is used instead, kept between
   * "asked + waitUs" and "answered + waitUs" (what the round trip allows
   * when the clocks disagree).
   */
  at: number
}

export interface PacerStore {
  /**
   * Reserves up to `count` slots spaced `intervalUs` for `key`, unless the
   * first free slot is more than `maxAheadUs` away (then granted is 0 and
   * `waitUs` says how long until it is within reach).
   */
  reserve(key: string, count: number, intervalUs: number, maxAheadUs: number): Promise<Reservation>
  /** Moves the next free slot to at least `delayUs` from now (slow down after a 130429). */
  pushBack(key: string, delayUs: number): Promise<void>
  /** Forgets the key (the next slot is now). */
  reset(key: string): Promise<void>
}

function plan(
  tat: number,
  now: number,
  count: number,
  intervalUs: number,
  maxAheadUs: number
): { granted: number; start: number; next: number } {
  const start = Math.max(tat, now)
  if (start - now > maxAheadUs) return { granted: 0, start, next: tat }
  const room = Math.floor((now + maxAheadUs - start) / intervalUs) + 1
  const granted = Math.max(1, Math.min(count, room))
  return { granted, start, next: start + granted * intervalUs }
}

const nowUs = () => Date.now() * 1000

export class MemoryPacerStore implements PacerStore {
  #tat = new Map<string, number>()

  async reserve(key: string, count: number, intervalUs: number, maxAheadUs: number) {
    const now = nowUs()
    const { granted, start, next } = plan(
      this.#tat.get(key) ?? 0,
      now,
      count,
      intervalUs,
      maxAheadUs
    )
    if (granted) this.#tat.set(key, next)
    return { granted, waitUs: start - now - (granted ? 0 : maxAheadUs), intervalUs, startUs: start }
  }

  async pushBack(key: string, delayUs: number) {
    const until = nowUs() + delayUs
    if ((this.#tat.get(key) ?? 0) < until) this.#tat.set(key, until)
  }

  async reset(key: string) {
    this.#tat.delete(key)
  }
}

export class DatabasePacerStore implements PacerStore {
  async #ensure(key: string) {
    const row = await db.from('channel_pacer').where('key', key).first()
    if (row) return
    try {
      await db.table('channel_pacer').insert({ key, tat_us: 0 })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
    }
  }

  async reserve(key: string, count: number, intervalUs: number, maxAheadUs: number) {
    await this.#ensure(key)
    return db.transaction(async (trx) => {
      // The no-op UPDATE takes the row lock (MariaDB) / the write lock
      // (SQLite) before the read, so two workers never read the same tat.
      await trx
        .from('channel_pacer')
        .where('key', key)
        .update({ tat_us: db.knexRawQuery('tat_us') })
      const row = await trx.from('channel_pacer').where('key', key).select('tat_us').first()
      const now = nowUs()
      const { granted, start, next } = plan(
        Number(row?.tat_us ?? 0),
        now,
        count,
        intervalUs,
        maxAheadUs
      )
      if (granted) await trx.from('channel_pacer').where('key', key).update({ tat_us: next })
      return {
        granted,
        waitUs: start - now - (granted ? 0 : maxAheadUs),
        intervalUs,
        startUs: start,
      }
    })
  }

  async pushBack(key: string, delayUs: number) {
    await this.#ensure(key)
    const until = nowUs() + delayUs
    await db.from('channel_pacer').where('key', key).where('tat_us', '<', until).update({
      tat_us: until,
    })
  }

  async reset(key: string) {
    await db.from('channel_pacer').where('key', key).delete()
  }
}

type RedisLike = {
  eval(script: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>
}

/*
 * KEYS[1] pacing key; ARGV: count, intervalUs, maxAheadUs.
 * Returns {granted, waitUs, startUs}. Redis' TIME is the clock of every process.
 */
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local count = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local ahead = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = tat
if start < now then start = now end
if start - now > ahead then return {0, start - now - ahead} end
local room = math.floor((now + ahead - start) / interval) + 1
if count > room then count = room end
if count < 1 then count = 1 end
local nextTat = start + count * interval
redis.call('SET', KEYS[1], string.format('%d', nextTat), 'PX', math.ceil((nextTat - now) / 1000) + 60000)
return {count, start - now, start}`

const PUSH_SCRIPT = `
local t = redis.call('TIME')
local untilUs = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < untilUs then
  redis.call('SET', KEYS[1], string.format('%d', untilUs), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 60000)
end
return 1`

export class RedisPacerStore implements PacerStore {
  #connection: Promise<RedisLike> | null = null

  constructor(
    connection?: RedisLike,
    readonly prefix = 'parley:pacer:'
  ) {
    if (connection) this.#connection = Promise.resolve(connection)
  }

  #redis(): Promise<RedisLike> {
    this.#connection ??= import('@adonisjs/redis/services/main').then(
      (module) => module.default.connection() as unknown as RedisLike
    )
    return this.#connection
  }

  async reserve(key: string, count: number, intervalUs: number, maxAheadUs: number) {
    const redis = await this.#redis()
    const [granted, waitUs, startUs] = (await redis.eval(
      RESERVE_SCRIPT,
      1,
      this.prefix + key,
      count,
      intervalUs,
      maxAheadUs
    )) as [number, number, number | undefined]
    return {
      granted: Number(granted),
      waitUs: Number(waitUs),
      intervalUs,
      startUs: Number(granted) && startUs !== undefined ? Number(startUs) : undefined,
    }
  }

  async pushBack(key: string, delayUs: number) {
    const redis = await this.#redis()
    await redis.eval(PUSH_SCRIPT, 1, this.prefix + key, Math.round(delayUs))
  }

  async reset(key: string) {
    const redis = await this.#redis()
    await redis.eval("return redis.call('DEL', KEYS[1])", 1, this.prefix + key)
  }
}

export function defaultPacerStoreName(): PacerStoreName {
  return env.get('LIMITER_STORE') ?? (redisConfigured ? 'redis' : 'database')
}

export function createPacerStore(name: PacerStoreName = defaultPacerStoreName()): PacerStore {
  if (name === 'redis') return new RedisPacerStore()
  if (name === 'memory') return new MemoryPacerStore()
  return new DatabasePacerStore()
}

/** Messages per second, clamped to 1..1000. */
export function clampMps(mps: number): number {
  if (!Number.isFinite(mps) || mps <= 0) return 1
  return Math.min(MAX_CHANNEL_MPS, Math.floor(mps))
}

/** Microseconds between two slots at `mps` with the safety margin. */
export function slotIntervalUs(mps: number): number {
  return Math.ceil(1_000_000 / (clampMps(mps) * (1 - PACER_MARGIN)))
}

export const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * The limit where Meta counts it, by construction, for the sends of one
 * process on one channel. Slots only space the moments requests leave;
 * the network, the sockets and Meta's own event loop can delay some and
 * deliver them in a bunch. What is certain is that a request reaches Meta
 * after it was written and before its answer is read. So before a send
 * the window counts the requests still in flight plus those answered less
 * than a second ago: when that is below the limit, no one-second window
 * at Meta that holds the new request can hold more than the limit of this
 * process's requests (any request in such a window was answered after the
 * window began, hence less than a second before the new one left, or is
 * still in flight). `WINDOW_MS` adds 2 ms for clocks read in whole
 * milliseconds.
 *
 * Cheap (no I/O): a counter and a queue of answer times. Several processes
 * sending on one channel still rely on the pacer's spacing and margin.
 */
export class SendWindow {
  static readonly WINDOW_MS = 1002

  #limit: number
  #inFlight = 0
  /** Answer times (ms), ascending; `#head` is the oldest still counted. */
  #done: number[] = []
  #head = 0

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit))
  }

  get limit() {
    return this.#limit
  }

  set limit(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit))
  }

  /** Requests in flight plus those answered within the window, as of `now`. */
  count(now = Date.now()): number {
    const cutoff = now - SendWindow.WINDOW_MS
    while (this.#head < this.#done.length && this.#done[this.#head] <= cutoff) this.#head++
    if (this.#head > 4096 && this.#head * 2 > this.#done.length) {
      this.#done = this.#done.slice(this.#head)
      this.#head = 0
    }
    return this.#inFlight + this.#done.length - this.#head
  }

  /**
   * Counts a request as in flight and returns 0 when it may leave now;
   * else returns how many ms to wait before asking again (nothing counted).
   */
  tryStart(now = Date.now()): number {
    if (this.count(now) < this.#limit) {
      this.#inFlight++
      return 0
    }
    if (this.#head < this.#done.length) {
      return Math.max(1, this.#done[this.#head] + SendWindow.WINDOW_MS - now + 1)
    }
    // Everything counted is still in flight: an answer frees room.
    return 1
  }

  /** The request's answer was read (or it failed): it stays counted for the window. */
  finish(now = Date.now()) {
    if (this.#inFlight > 0) this.#inFlight--
    const last = this.#done.length ? this.#done[this.#done.length - 1] : 0
    this.#done.push(Math.max(now, last))
  }
}

export class ChannelPacer {
  #store: PacerStore | null
  #windows = new Map<string, SendWindow>()
  readonly storeName: PacerStoreName

  constructor(store?: PacerStore | PacerStoreName) {
    this.storeName = typeof store === 'string' ? store : store ? 'memory' : defaultPacerStoreName()
    this.#store = typeof store === 'object' ? store : null
  }

  get store(): PacerStore {
    this.#store ??= createPacerStore(this.storeName)
    return this.#store
  }

  key(channelId: string | number) {
    return `channel:${channelId}`
  }

  /**
   * Reserves up to `count` slots at `mps` within `maxAheadMs`. The caller
   * sends message i at `at + i·intervalUs/1000` (Date.now() time).
   */
  async reserve(
    channelId: string | number,
    mps: number,
    count: number,
    maxAheadMs = 1000
  ): Promise<PacedReservation> {
    const asked = Date.now()
    const slot = await this.store.reserve(
      this.key(channelId),
      Math.max(1, Math.floor(count)),
      slotIntervalUs(mps),
      Math.max(0, Math.round(maxAheadMs * 1000))
    )
    const answered = Date.now()
    const wait = slot.waitUs / 1000
    const at =
      slot.startUs === undefined
        ? answered + wait
        : Math.min(answered + wait, Math.max(asked + wait, slot.startUs / 1000))
    return { ...slot, at }
  }

  /** One slot: waits for it (at most `maxWaitMs`) or says how long to come back after. */
  async acquire(
    channelId: string | number,
    mps: number,
    maxWaitMs = 1000
  ): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
    const slot = await this.reserve(channelId, mps, 1, maxWaitMs)
    if (!slot.granted) return { allowed: false, retryAfterMs: Math.ceil(slot.waitUs / 1000) + 1 }
    const wait = slot.at - Date.now()
    if (wait > 0) await sleep(wait)
    return { allowed: true }
  }

  /** Nobody sends on the channel for `ms` (a 130429 answer: slow down). */
  pushBack(channelId: string | number, ms: number) {
    return this.store.pushBack(this.key(channelId), ms * 1000)
  }

  /** Forgets the channel's pacing state. */
  reset(channelId: string | number) {
    this.#windows.delete(this.key(channelId))
    return this.store.reset(this.key(channelId))
  }

  /**
   * This process's send window of the channel (see SendWindow), at `mps`:
   * every sender in the process that uses it shares one count.
   */
  window(channelId: string | number, mps: number): SendWindow {
    const key = this.key(channelId)
    let window = this.#windows.get(key)
    if (!window) {
      window = new SendWindow(clampMps(mps))
      this.#windows.set(key, window)
    } else {
      window.limit = clampMps(mps)
    }
    return window
  }
}

/** The process-wide pacer: campaigns and the inbox's send job share it. */
export const channelPacer = new ChannelPacer()
