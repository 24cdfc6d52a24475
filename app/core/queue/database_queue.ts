import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { tenancy } from '#core/tenancy/context'
import { affectedRows, isTransientLockError, isUniqueViolation } from '#core/helpers/db_errors'
import {
  ReleaseSignal,
  UnknownJobError,
  describeError,
  jobs,
  scopedUniqueKey,
} from '#core/queue/registry'
import type { DispatchOptions, FailedJob, JobContext, JobPayload, Queue } from '#core/queue/types'

export type DatabaseQueueOptions = {
  /** Lucid connection name (default: the default connection). */
  connection?: string
  /** Jobs run at once by `work()` when it is not given one (default 4). */
  concurrency?: number
  /**
   * How long a claimed job stays reserved for its worker without a
   * heartbeat. The worker extends it every third of this while the
   * handler runs; a worker that dies (SIGKILL) stops extending it and
   * any worker reclaims the job once it expires. Default 60 s.
   */
  visibilityTimeoutMs?: number
  /** First idle poll delay, doubled up to `maxPollIntervalMs` (200 ms / 1 s). */
  pollIntervalMs?: number
  maxPollIntervalMs?: number
  /** How long `stop()` waits for running jobs before releasing them (30 s). */
  stopTimeoutMs?: number
}

type JobRow = {
  id: number
  queue: string
  name: string
  workspace_id: number | null
  payload: string
  attempts: number
  max_attempts: number
  backoff_ms: number
  unique_key: string | null
  status: 'waiting' | 'active' | 'failed'
  available_at: number
  reserved_by: string | null
  reserved_until: number | null
  last_error: string | null
  created_at: unknown
  updated_at: unknown
}

const TABLE = 'jobs'

function now() {
  return Date.now()
}

/** `created_at` / `updated_at` in the format Lucid writes on both SQLite and MySQL. */
function timestamp() {
  return DateTime.utc().toFormat('yyyy-LL-dd HH:mm:ss')
}

function readDate(value: unknown): Date {
  if (value instanceof Date) return value
  if (typeof value === 'number') return new Date(value)
  const parsed = DateTime.fromSQL(String(value), { zone: 'utc' })
  return parsed.isValid ? parsed.toJSDate() : new Date(String(value))
}

function sleep(ms: number) {
  return new Promise<void>((resolve) => setTimeout(resolve, ms))
}

/**
 * The `database` queue driver: jobs are rows of the `jobs` table (see
 * database/migrations/0011_create_jobs.ts), on SQLite, MySQL or MariaDB.
 *
 * Delivery is at least once. A job is claimed by setting it `active` with
 * a reservation (`reserved_by`, `reserved_until`) that the worker keeps
 * extending while the handler runs; if the worker dies, the reservation
 * expires and any worker puts the job back to `waiting` (counting the lost
 * run as an attempt). Handlers must therefore be idempotent.
 *
 * Completed jobs are deleted; failed jobs stay in the table with status
 * `failed` and their last error until `retry()`.
 */
export class DatabaseQueue implements Queue {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`

  #connection?: string
  #concurrency: number
  #visibilityTimeoutMs: number
  #pollIntervalMs: number
  #maxPollIntervalMs: number
  #stopTimeoutMs: number

  /** Queues to take jobs from; null: every queue. */
  #queues: string[] | null = null
  #workConcurrency = 4
  #working = false
  #stopping = false
  #loop: Promise<void> | null = null
  #running = new Map<number, Promise<void>>()
  #heartbeat: NodeJS.Timeout | null = null
  #wake: (() => void) | null = null
  #busyTimeoutSet = false

  constructor(options: DatabaseQueueOptions = {}) {
    this.#connection = options.connection
    this.#concurrency = Math.max(1, options.concurrency ?? 4)
    this.#visibilityTimeoutMs = Math.max(100, options.visibilityTimeoutMs ?? 60_000)
    this.#pollIntervalMs = Math.max(10, options.pollIntervalMs ?? 200)
    this.#maxPollIntervalMs = Math.max(this.#pollIntervalMs, options.maxPollIntervalMs ?? 1000)
    this.#stopTimeoutMs = Math.max(0, options.stopTimeoutMs ?? 30_000)
  }

  get #client(): QueryClientContract {
    return db.connection(this.#connection)
  }

  get #isMysql() {
    return this.#client.dialect.name === 'mysql'
  }

  /** Number of jobs this process is running right now. */
  get runningCount() {
    return this.#running.size
  }

  /**
   * SQLite has one writer at a time; without a busy timeout a second
   * process (web + worker) gets SQLITE_BUSY at once instead of waiting a
   * few milliseconds. Knex keeps one SQLite connection per pool, so setting
   * it once is enough; `#withRetry` covers a recycled connection.
   */
  async #prepare() {
    if (this.#busyTimeoutSet || this.#isMysql) return
    this.#busyTimeoutSet = true
    await this.#client.rawQuery('PRAGMA busy_timeout = 5000')
  }

  async #withRetry<T>(operation: () => Promise<T>, tries = 8): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation()
      } catch (error) {
        if (!isTransientLockError(error) || attempt >= tries) throw error
        await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random()))
      }
    }
  }

  async dispatch(name: string, payload: JobPayload, options: DispatchOptions): Promise<string> {
    const attempts = options.attempts ?? 5
    const backoffMs = options.backoffMs ?? 1000
    const delayMs = options.delayMs ?? 0
    if (!Number.isInteger(attempts) || attempts < 1) throw new Error('attempts must be >= 1')
    if (backoffMs < 0 || delayMs < 0) throw new Error('delayMs and backoffMs must be >= 0')

    const uniqueKey =
      options.uniqueKey !== undefined
        ? scopedUniqueKey(options.workspaceId, options.uniqueKey)
        : null
    const row = {
      queue: options.queue ?? 'default',
      name,
      workspace_id: options.workspaceId,
      payload: JSON.stringify(payload),
      attempts: 0,
      max_attempts: attempts,
      backoff_ms: Math.round(backoffMs),
      unique_key: uniqueKey,
      status: 'waiting',
      available_at: now() + Math.round(delayMs),
      created_at: timestamp(),
      updated_at: timestamp(),
    }

    await this.#prepare()
    // A key can be taken between the look-up and the insert, or freed
    // between a failed insert and the next look-up: try a few times.
    for (let round = 0; round < 5; round++) {
      if (uniqueKey) {
        const existing = await this.#client
          .from(TABLE)
          .where('unique_key', uniqueKey)
          .select('id')
          .first()
        if (existing) return String(existing.id)
      }
      try {
        const [id] = await this.#withRetry(() => this.#client.table(TABLE).insert(row))
        return String(id)
      } catch (error) {
        if (uniqueKey && isUniqueViolation(error)) continue
        throw error
      }
    }
    throw new Error(`Could not dispatch job "${name}" with unique key "${options.uniqueKey}"`)
  }

  async work(options: { queues?: string[]; concurrency?: number } = {}): Promise<void> {
    if (this.#working) throw new Error('This queue is already working; call stop() first')
    this.#queues = options.queues?.length ? [...new Set(options.queues)] : null
    this.#workConcurrency = Math.max(1, options.concurrency ?? this.#concurrency)
    this.#working = true
    this.#stopping = false
    await this.#prepare()

    const beat = Math.max(50, Math.floor(this.#visibilityTimeoutMs / 3))
    this.#heartbeat = setInterval(() => {
      this.#extendReservations().catch((error) =>
        logger.error({ err: error }, 'queue: could not extend job reservations')
      )
    }, beat)
    this.#loop = this.#poll()
  }

  async stop(): Promise<void> {
    if (!this.#working) return
    this.#stopping = true
    this.#wake?.()
    await this.#loop

    const running = [...this.#running.values()]
    if (running.length) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.#stopTimeoutMs)
      })
      await Promise.race([Promise.allSettled(running), timeout])
      clearTimeout(timer)
    }

    // Still running after the grace period: hand the jobs back. The
    // interrupted run is not counted (the shutdown is not the job's fault).
    const unfinished = [...this.#running.keys()]
    if (unfinished.length) {
      await this.#withRetry(() =>
        this.#client
          .from(TABLE)
          .whereIn('id', unfinished)
          .where('reserved_by', this.workerId)
          .where('status', 'active')
          .update({
            status: 'waiting',
            attempts: this.#client.knexRawQuery(
              'CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END'
            ),
            reserved_by: null,
            reserved_until: null,
            available_at: now(),
            updated_at: timestamp(),
          })
      )
      logger.warn({ jobs: unfinished }, 'queue: released jobs still running at shutdown')
      this.#running.clear()
    }

    if (this.#heartbeat) clearInterval(this.#heartbeat)
    this.#heartbeat = null
    this.#loop = null
    this.#working = false
  }

  async failed(options: { limit?: number; offset?: number } = {}): Promise<FailedJob[]> {
    const rows: JobRow[] = await this.#client
      .from(TABLE)
      .where('status', 'failed')
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0)
    return rows.map((row) => ({
      id: String(row.id),
      name: row.name,
      queue: row.queue,
      workspaceId: row.workspace_id === null ? null : Number(row.workspace_id),
      payload: this.#parsePayload(row.payload) ?? {},
      attempts: Number(row.attempts),
      error: row.last_error ?? '',
      failedAt: readDate(row.updated_at),
    }))
  }

  async retry(jobId: string): Promise<boolean> {
    const id = Number(jobId)
    if (!Number.isSafeInteger(id) || id <= 0) return false
    const result = await this.#withRetry(() =>
      this.#client.from(TABLE).where('id', id).where('status', 'failed').update({
        status: 'waiting',
        attempts: 0,
        available_at: now(),
        reserved_by: null,
        reserved_until: null,
        updated_at: timestamp(),
      })
    )
    return affectedRows(result) > 0
  }

  async stats() {
    const rows: { status: string; total: number | string; later: number | string | null }[] =
      await this.#client
        .from(TABLE)
        .select('status')
        .count('* as total')
        .select(
          this.#client.raw('SUM(CASE WHEN available_at > ? THEN 1 ELSE 0 END) as later', [now()])
        )
        .groupBy('status')
    const counts = { waiting: 0, delayed: 0, active: 0, failed: 0 }
    for (const row of rows) {
      const total = Number(row.total)
      if (row.status === 'waiting') {
        counts.delayed = Number(row.later ?? 0)
        counts.waiting = total - counts.delayed
      } else if (row.status === 'active' || row.status === 'failed') {
        counts[row.status] = total
      }
    }
    return counts
  }

  /**
   * Puts back the jobs of dead workers: active jobs whose reservation
   * expired return to `waiting` (the lost run counts as an attempt), or
   * become `failed` when that was their last attempt. Runs on every
   * worker's poll loop; exposed for tests and maintenance commands.
   */
  async reclaimExpired(): Promise<number> {
    const at = now()
    const lost = 'Worker stopped responding while running this job (reservation expired)'
    const failed = await this.#withRetry(() =>
      this.#client
        .from(TABLE)
        .where('status', 'active')
        .where('reserved_until', '<', at)
        .whereRaw('attempts >= max_attempts')
        .update({
          status: 'failed',
          unique_key: null,
          reserved_by: null,
          reserved_until: null,
          last_error: lost,
          updated_at: timestamp(),
        })
    )
    const requeued = await this.#withRetry(() =>
      this.#client.from(TABLE).where('status', 'active').where('reserved_until', '<', at).update({
        status: 'waiting',
        reserved_by: null,
        reserved_until: null,
        available_at: at,
        last_error: lost,
        updated_at: timestamp(),
      })
    )
    const total = affectedRows(failed) + affectedRows(requeued)
    if (total)
      logger.warn(
        { failed: affectedRows(failed), requeued: affectedRows(requeued) },
        'queue: reclaimed expired jobs'
      )
    return total
  }

  /*
  | The worker
  */

  async #poll() {
    let idle = this.#pollIntervalMs
    let lastReclaim = 0
    const reclaimEvery = Math.min(5000, Math.max(100, Math.floor(this.#visibilityTimeoutMs / 4)))

    while (!this.#stopping) {
      try {
        if (now() - lastReclaim >= reclaimEvery) {
          lastReclaim = now()
          await this.reclaimExpired()
        }

        const free = this.#workConcurrency - this.#running.size
        if (free <= 0) {
          await this.#pause(null)
          continue
        }

        const claimed = await this.#claim(free)
        for (const row of claimed) this.#start(row)
        if (claimed.length) {
          idle = this.#pollIntervalMs
          continue
        }
        await this.#pause(idle)
        idle = Math.min(idle * 2, this.#maxPollIntervalMs)
      } catch (error) {
        logger.error({ err: error }, 'queue: poll failed')
        await this.#pause(this.#maxPollIntervalMs)
      }
    }
  }

  /**
   * Waits `ms` (or, with null, until a running job finishes), returning
   * early on stop() or when a slot frees up.
   */
  #pause(ms: number | null) {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const done = () => {
        clearTimeout(timer)
        if (this.#wake === done) this.#wake = null
        resolve()
      }
      if (ms !== null) timer = setTimeout(done, ms)
      this.#wake = done
    })
  }

  async #claim(limit: number): Promise<JobRow[]> {
    const at = now()
    const changes = {
      status: 'active',
      reserved_by: this.workerId,
      reserved_until: at + this.#visibilityTimeoutMs,
      updated_at: timestamp(),
    }

    if (this.#isMysql) {
      // Row locks, skipping rows another worker is claiming right now
      // (MySQL 8 / MariaDB 10.6+).
      return this.#withRetry(() =>
        this.#client.transaction(async (trx) => {
          const pick = trx.from(TABLE).select('id')
          if (this.#queues) pick.whereIn('queue', this.#queues)
          const picked: { id: number }[] = await pick
            .where('status', 'waiting')
            .where('available_at', '<=', at)
            .orderBy('available_at')
            .orderBy('id')
            .limit(limit)
            .forUpdate()
            .skipLocked()
          const ids = picked.map((row) => Number(row.id))
          if (!ids.length) return []
          await trx
            .from(TABLE)
            .whereIn('id', ids)
            .update({ ...changes, attempts: trx.knexRawQuery('attempts + 1') })
          return trx.from(TABLE).whereIn('id', ids).orderBy('available_at').orderBy('id')
        })
      )
    }

    // SQLite: one writer at a time, so a single guarded UPDATE claims
    // atomically; the SELECT in the same transaction reads what it claimed.
    const mine = [...this.#running.keys()]
    return this.#withRetry(() =>
      this.#client.transaction(async (trx) => {
        const pick = trx.from(TABLE).select('id')
        if (this.#queues) pick.whereIn('queue', this.#queues)
        pick.where('status', 'waiting').where('available_at', '<=', at)
        const updated = await trx
          .from(TABLE)
          .whereIn('id', pick.orderBy('available_at').orderBy('id').limit(limit))
          .where('status', 'waiting')
          .update({ ...changes, attempts: trx.knexRawQuery('attempts + 1') })
        if (!affectedRows(updated)) return []
        const query = trx
          .from(TABLE)
          .where('status', 'active')
          .where('reserved_by', this.workerId)
          .orderBy('available_at')
          .orderBy('id')
        if (mine.length) query.whereNotIn('id', mine)
        return query
      })
    )
  }

  #start(row: JobRow) {
    const id = Number(row.id)
    const run = this.#execute(row)
      .catch((error) => logger.error({ err: error, jobId: id }, 'queue: could not settle job'))
      .finally(() => {
        this.#running.delete(id)
        this.#wake?.()
      })
    this.#running.set(id, run)
  }

  #parsePayload(text: string): JobPayload | null {
    try {
      const value = JSON.parse(text)
      return value && typeof value === 'object' ? (value as JobPayload) : null
    } catch {
      return null
    }
  }

  async #execute(row: JobRow) {
    const handler = jobs.handler(row.name)
    if (!handler) {
      // Retrying cannot help until a worker that knows the job runs it:
      // fail at once; `queue:retry` brings it back after a deploy.
      return this.#fail(row, new UnknownJobError(row.name), true)
    }
    const payload = this.#parsePayload(row.payload)
    if (!payload) {
      return this.#fail(
        row,
        new Error(`Job ${row.id} has a payload that is not a JSON object`),
        true
      )
    }

    const workspaceId = row.workspace_id === null ? null : Number(row.workspace_id)
    const context: JobContext = {
      id: String(row.id),
      name: row.name,
      workspaceId,
      attempt: Number(row.attempts),
      releaseAfter(ms: number): never {
        throw new ReleaseSignal(Math.max(0, Math.round(ms)))
      },
    }

    try {
      if (workspaceId === null) {
        await handler(payload, context)
      } else {
        await tenancy.run(workspaceId, () => handler(payload, context))
      }
    } catch (error) {
      if (error instanceof ReleaseSignal) return this.#release(row, error.delayMs)
      return this.#fail(row, error)
    }
    return this.#complete(row)
  }

  /** Every write about a claimed job is guarded by our reservation. */
  #mine(id: number) {
    return this.#client
      .from(TABLE)
      .where('id', id)
      .where('reserved_by', this.workerId)
      .where('status', 'active')
  }

  async #complete(row: JobRow) {
    await this.#withRetry(() => this.#mine(Number(row.id)).delete())
  }

  async #release(row: JobRow, delayMs: number) {
    await this.#withRetry(() =>
      this.#mine(Number(row.id)).update({
        status: 'waiting',
        attempts: Math.max(0, Number(row.attempts) - 1),
        available_at: now() + delayMs,
        reserved_by: null,
        reserved_until: null,
        updated_at: timestamp(),
      })
    )
  }

  async #fail(row: JobRow, error: unknown, final = false) {
    const attempt = Number(row.attempts)
    const lastError = describeError(error)
    if (final || attempt >= Number(row.max_attempts)) {
      logger.error({ jobId: row.id, job: row.name, err: error }, 'queue: job failed')
      await this.#withRetry(() =>
        this.#mine(Number(row.id)).update({
          status: 'failed',
          unique_key: null,
          reserved_by: null,
          reserved_until: null,
          last_error: lastError,
          updated_at: timestamp(),
        })
      )
      return
    }
    const delay = Number(row.backoff_ms) * 2 ** Math.max(0, attempt - 1)
    await this.#withRetry(() =>
      this.#mine(Number(row.id)).update({
        status: 'waiting',
        available_at: now() + delay,
        reserved_by: null,
        reserved_until: null,
        last_error: lastError,
        updated_at: timestamp(),
      })
    )
  }

  async #extendReservations() {
    const ids = [...this.#running.keys()]
    if (!ids.length) return
    await this.#withRetry(() =>
      this.#client
        .from(TABLE)
        .whereIn('id', ids)
        .where('reserved_by', this.workerId)
        .where('status', 'active')
        .update({ reserved_until: now() + this.#visibilityTimeoutMs })
    )
  }

  /** Nothing to close: the Lucid connection belongs to the app. */
  async close() {
    await this.stop()
  }
}
