import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { affectedRows, isTransientLockError, lightTransaction } from '#core/helpers/db_errors'
import { normalizeMetaWebhook } from '#channels/webhooks/normalize_meta'
import {
  processUpdateBatch,
  type EventUpdates,
  type ProcessResult,
} from '#channels/webhooks/process_updates'

export type IngestorOptions = {
  /** Deliveries claimed and processed together (default 25 on MySQL/MariaDB, 20 on SQLite). */
  batchSize?: number
  /** Batches in flight at once (default 2 on MySQL/MariaDB, 1 on SQLite). */
  concurrency?: number
  /**
   * How long a claim holds before another worker may take the deliveries
   * again (the claimer died: SIGKILL, crash). Default 60 s.
   */
  leaseMs?: number
  /** First idle poll delay, doubled up to `maxIdleMs` (20 ms / 200 ms). */
  idleMs?: number
  maxIdleMs?: number
}

/** Failed processing is retried this many times, then the delivery is `failed`. */
export const MAX_WEBHOOK_ATTEMPTS = 10

/**
 * A status can overtake the send job's write of the message's wamid; the
 * delivery is kept pending (retried every STATUS_RETRY_MS) for this long,
 * then accepted with the unknown statuses noted (they can also belong to
 * messages another tool sent from the same number).
 */
export const UNKNOWN_STATUS_WAIT_MS = 60_000
const STATUS_RETRY_MS = 2_000

type ClaimedRow = {
  id: number
  raw_body: string
  attempts: number
  received_at: unknown
}

type Outcome =
  | { kind: 'processed'; updates: number; note: string | null }
  | { kind: 'retry'; error: string; delayMs: number; counts: boolean }

const running = new Set<WebhookIngestor>()

/** Wakes this process's ingestors (a delivery was just stored). */
export function wakeIngestors() {
  for (const ingestor of running) ingestor.wake()
}

/** 0.5 s, 1 s, 2 s … capped at 5 min; `attempts` counts the current one. */
function backoff(attempts: number) {
  return Math.min(300_000, 500 * 2 ** Math.max(0, Number(attempts) - 1))
}

function describe(error: unknown) {
  return String((error as Error)?.message ?? error).slice(0, 1000)
}

function receivedAtMs(value: unknown): number {
  if (value instanceof Date) return value.getTime()
  const parsed = DateTime.fromSQL(String(value))
  return parsed.isValid ? parsed.toMillis() : Date.now()
}

/**
 * Turns stored webhook deliveries (`webhook_events`, status `pending`) into
 * messages, statuses and channel updates. The table is its own work
 * queue: the request path writes one row and answers, so acknowledging
 * Meta costs a single INSERT, and a worker claims deliveries in batches
 * and stores their messages with a few statements per batch.
 *
 * A claim is a lease (`claimed_by`, `claimed_until`): a worker killed
 * mid-batch stops nothing for long, the lease runs out and another worker
 * processes the deliveries again, which stores nothing twice (messages are
 * unique per workspace on their wamid; statuses only move forward).
 * Runs inside `node ace queue:work` and, in development, `node ace serve`.
 */
export class WebhookIngestor {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  #batchSize: number
  #concurrency: number | undefined
  #leaseMs: number
  #idleMs: number
  #maxIdleMs: number
  #claims = 0
  #stopping = false
  #loops: Promise<void>[] = []
  #wakers = new Set<() => void>()

  constructor(options: IngestorOptions = {}) {
    this.#batchSize = Math.max(0, options.batchSize ?? 0)
    this.#concurrency = options.concurrency
    this.#leaseMs = Math.max(100, options.leaseMs ?? 60_000)
    this.#idleMs = Math.max(5, options.idleMs ?? 20)
    this.#maxIdleMs = Math.max(this.#idleMs, options.maxIdleMs ?? 200)
  }

  get #client(): QueryClientContract {
    return db.connection()
  }

  get #isMysql() {
    return this.#client.dialect.name === 'mysql'
  }

  start() {
    if (this.#loops.length) return
    // SQLite has one writer: shorter batches hold its lock for less time,
    // so the web process's inserts (the webhook acks) wait less.
    if (!this.#batchSize) this.#batchSize = this.#isMysql ? 25 : 20
    this.#stopping = false
    const loops = this.#concurrency ?? (this.#isMysql ? 2 : 1)
    running.add(this)
    for (let index = 0; index < loops; index++) this.#loops.push(this.#loop())
  }

  /** Finishes the batches in flight, then returns. */
  async stop() {
    this.#stopping = true
    this.wake()
    await Promise.all(this.#loops)
    this.#loops = []
    running.delete(this)
  }

  wake() {
    for (const waker of this.#wakers) waker()
  }

  async #loop() {
    let idle = this.#idleMs
    while (!this.#stopping) {
      try {
        const done = await this.processOnce()
        if (done > 0) {
          idle = this.#idleMs
          continue
        }
      } catch (error) {
        // A lost lock race is routine with several workers: try again soon.
        if (isTransientLockError(error)) idle = this.#idleMs
        else {
          logger.error({ err: error }, 'webhooks: ingest loop failed')
          idle = this.#maxIdleMs
        }
      }
      await this.#pause(idle)
      idle = Math.min(idle * 2, this.#maxIdleMs)
    }
  }

  #pause(ms: number) {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#wakers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#wakers.add(done)
    })
  }

  /**
   * Claims one batch of due deliveries and processes it. Returns how many
   * deliveries it handled (0: nothing was due).
   */
  async processOnce(): Promise<number> {
    const token = `${this.workerId}:${++this.#claims}`
    const rows = await this.#claim(token)
    if (!rows.length) return 0

    const parsed: EventUpdates[] = []
    const outcomes = new Map<number, Outcome>()
    for (const row of rows) {
      try {
        parsed.push({
          eventId: Number(row.id),
          updates: normalizeMetaWebhook(JSON.parse(row.raw_body)),
        })
      } catch (error) {
        // Retried like any failure: a fixed normaliser picks it up after a deploy.
        outcomes.set(Number(row.id), {
          kind: 'retry',
          error: describe(error),
          delayMs: backoff(row.attempts),
          counts: true,
        })
      }
    }

    const byId = new Map(rows.map((row) => [Number(row.id), row]))
    const settle = (event: EventUpdates, result: ProcessResult) => {
      const row = byId.get(event.eventId)!
      const waited = Date.now() - receivedAtMs(row.received_at)
      if (result.unknownStatuses > 0 && waited < UNKNOWN_STATUS_WAIT_MS) {
        outcomes.set(event.eventId, {
          kind: 'retry',
          error: `Waiting for ${result.unknownStatuses} message(s) named by a status`,
          delayMs: STATUS_RETRY_MS,
          counts: false,
        })
        return
      }
      outcomes.set(event.eventId, {
        kind: 'processed',
        updates: event.updates.length,
        note:
          result.unknownStatuses > 0
            ? `${result.unknownStatuses} status(es) named messages Parley does not have`
            : null,
      })
    }

    try {
      const results = await processUpdateBatch(parsed)
      for (const event of parsed) settle(event, results.get(event.eventId)!)
    } catch (error) {
      // Something in the batch is broken: process each delivery alone so
      // the healthy ones complete and only the faulty one is retried.
      logger.warn({ err: error, deliveries: parsed.length }, 'webhooks: batch failed, one by one')
      for (const event of parsed) {
        try {
          const results = await processUpdateBatch([event])
          settle(event, results.get(event.eventId)!)
        } catch (single) {
          const row = byId.get(event.eventId)!
          outcomes.set(event.eventId, {
            kind: 'retry',
            error: describe(single),
            delayMs: backoff(row.attempts),
            counts: true,
          })
        }
      }
    }

    await this.#settle(token, rows, outcomes)
    return rows.length
  }

  async #claim(token: string): Promise<ClaimedRow[]> {
    const at = Date.now()
    const client = this.#client
    const due = (query: any) =>
      query
        .where('status', 'pending')
        .where('available_at', '<=', at)
        .where((where: any) => where.whereNull('claimed_until').orWhere('claimed_until', '<', at))
    const claim = {
      claimed_by: token,
      claimed_until: at + this.#leaseMs,
      attempts: client.knexRawQuery('attempts + 1'),
    }

    if (this.#isMysql) {
      // Row locks, skipping rows another worker is claiming right now.
      await client.transaction(async (trx) => {
        const picked: { id: number }[] = await due(trx.from('webhook_events').select('id'))
          .orderBy('id')
          .limit(this.#batchSize)
          .forUpdate()
          .skipLocked()
        if (!picked.length) return
        await trx
          .from('webhook_events')
          .whereIn(
            'id',
            picked.map((row) => row.id)
          )
          .update(claim)
      }, lightTransaction('mysql'))
    } else {
      // SQLite has one writer at a time: one guarded UPDATE claims atomically.
      const updated = await client
        .from('webhook_events')
        .whereIn(
          'id',
          due(client.from('webhook_events').select('id')).orderBy('id').limit(this.#batchSize)
        )
        .update(claim)
      if (!affectedRows(updated)) return []
    }
    return client
      .from('webhook_events')
      .where('claimed_by', token)
      .where('status', 'pending')
      .select('id', 'raw_body', 'attempts', 'received_at')
      .orderBy('id')
  }

  async #settle(token: string, rows: ClaimedRow[], outcomes: Map<number, Outcome>) {
    const now = DateTime.now().toSQL({ includeOffset: false })
    const mine = (ids: number[]) =>
      this.#client.from('webhook_events').whereIn('id', ids).where('claimed_by', token)

    const clean: number[] = []
    for (const row of rows) {
      const id = Number(row.id)
      const outcome = outcomes.get(id)!
      if (outcome.kind === 'processed' && outcome.note === null) {
        clean.push(id)
        continue
      }
      if (outcome.kind === 'processed') {
        await mine([id]).update({
          status: 'processed',
          updates: outcome.updates,
          error: outcome.note,
          processed_at: now,
          claimed_by: null,
          claimed_until: null,
        })
        continue
      }
      const attempts = Number(row.attempts)
      const giveUp = outcome.counts && attempts >= MAX_WEBHOOK_ATTEMPTS
      if (giveUp) logger.error({ eventId: id, error: outcome.error }, 'webhooks: delivery failed')
      await mine([id]).update({
        status: giveUp ? 'failed' : 'pending',
        error: outcome.error,
        attempts: outcome.counts ? attempts : Math.max(0, attempts - 1),
        available_at: Date.now() + outcome.delayMs,
        claimed_by: null,
        claimed_until: null,
      })
    }
    if (clean.length) {
      // Counts per delivery are written in one statement per distinct value.
      const byCount = new Map<number, number[]>()
      for (const id of clean) {
        const outcome = outcomes.get(id) as { updates: number }
        byCount.set(outcome.updates, [...(byCount.get(outcome.updates) ?? []), id])
      }
      for (const [updates, ids] of byCount) {
        await mine(ids).update({
          status: 'processed',
          updates,
          error: null,
          processed_at: now,
          claimed_by: null,
          claimed_until: null,
        })
      }
    }
  }
}
