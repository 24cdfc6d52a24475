import {
  Queue as BullQueue,
  Worker,
  DelayedError,
  UnrecoverableError,
  WaitingError,
  type Job,
  type RedisOptions,
} from 'bullmq'
import logger from '@adonisjs/core/services/logger'
import { tenancy } from '#core/tenancy/context'
import {
  ReleaseSignal,
  UnknownJobError,
  describeError,
  jobs,
  scopedUniqueKey,
} from '#core/queue/registry'
import type { DispatchOptions, FailedJob, JobContext, JobPayload, Queue } from '#core/queue/types'

export type RedisQueueOptions = {
  /** Host, port, password and db of Redis (config/redis.ts `main`). */
  connection: { host: string; port: number; password?: string; db?: number }
  /** Key prefix of every BullMQ key (default 'parley'). */
  prefix?: string
  /** Jobs run at once per queue by `work()` when it is not given one (default 4). */
  concurrency?: number
  /**
   * Queue names `stats()` and `failed()` always look at, besides the ones
   * this process dispatched to or worked on and those found in Redis.
   */
  queues?: string[]
  /** How long `stop()` waits for running jobs before releasing them (30 s). */
  stopTimeoutMs?: number
  /**
   * BullMQ's visibility timeout: a running job's lock, renewed while the
   * handler runs (default 30 s). A worker that dies stops renewing it and
   * the stalled check (every `stalledIntervalMs`, default 30 s) puts the
   * job back to wait.
   */
  lockDurationMs?: number
  stalledIntervalMs?: number
}

type JobData = { workspaceId: number | null; payload: JobPayload }
type BullJob = Job<JobData, void, string>

type Running = { queue: string; job: BullJob; token?: string; done: Promise<unknown> }

/**
 * The `redis` queue driver on BullMQ. One BullMQ queue per Parley queue
 * name, under `prefix`. Job ids are `<queue>:<BullMQ id>` so that
 * `retry()` finds a job's queue.
 *
 * - `uniqueKey` -> BullMQ deduplication id (simple mode): while the job is
 *   waiting, delayed or running, `add()` returns the existing job's id;
 *   the key is freed when the job completes or fails, like the database
 *   driver. (A custom BullMQ job id would keep blocking the key while the
 *   failed job is kept, and cannot contain ':'.) Keys are per queue.
 * - attempts + exponential backoff map to BullMQ's own; `releaseAfter`
 *   moves the job to the delayed set without counting an attempt.
 * - Completed jobs are removed; failed jobs are kept for `failed()` and
 *   `retry()`.
 * - Concurrency is per queue (one BullMQ worker per queue name).
 */
export class RedisQueue implements Queue {
  #options: RedisQueueOptions
  #prefix: string
  #producers = new Map<string, BullQueue<JobData, void, string>>()
  #workers = new Map<string, Worker<JobData, void, string>>()
  #discovery: NodeJS.Timeout | null = null
  #running = new Map<string, Running>()
  #known = new Set<string>()
  #stopping = false

  constructor(options: RedisQueueOptions) {
    this.#options = options
    this.#prefix = options.prefix ?? 'parley'
    for (const name of options.queues ?? ['default']) this.#known.add(name)
  }

  get prefix() {
    return this.#prefix
  }

  #connection(forWorker: boolean): RedisOptions {
    const { host, port, password, db } = this.#options.connection
    return {
      host,
      port,
      password: password || undefined,
      db: db ?? 0,
      // Workers block on Redis and must retry forever (BullMQ requires
      // null). Producers fail a dispatch after ioredis' default retries
      // instead of hanging a web request while Redis is down.
      ...(forWorker ? { maxRetriesPerRequest: null } : {}),
    }
  }

  #queue(name: string) {
    if (name.includes(':')) throw new Error(`Queue names cannot contain ":" (got "${name}")`)
    let queue = this.#producers.get(name)
    if (!queue) {
      queue = new BullQueue<JobData, void, string>(name, {
        connection: this.#connection(false),
        prefix: this.#prefix,
      })
      queue.on('error', (error) => logger.error({ err: error }, `queue: redis error (${name})`))
      this.#producers.set(name, queue)
      this.#known.add(name)
    }
    return queue
  }

  #split(jobId: string): [string, string] | null {
    const at = jobId.indexOf(':')
    if (at <= 0 || at === jobId.length - 1) return null
    return [jobId.slice(0, at), jobId.slice(at + 1)]
  }

  async dispatch(name: string, payload: JobPayload, options: DispatchOptions): Promise<string> {
    const attempts = options.attempts ?? 5
    const backoffMs = options.backoffMs ?? 1000
    const delayMs = options.delayMs ?? 0
    if (!Number.isInteger(attempts) || attempts < 1) throw new Error('attempts must be >= 1')
    if (backoffMs < 0 || delayMs < 0) throw new Error('delayMs and backoffMs must be >= 0')

    const queueName = options.queue ?? 'default'
    const job = await this.#queue(queueName).add(
      name,
      { workspaceId: options.workspaceId, payload },
      {
        delay: Math.round(delayMs),
        attempts,
        backoff: { type: 'exponential', delay: Math.round(backoffMs) },
        removeOnComplete: true,
        removeOnFail: false,
        ...(options.uniqueKey !== undefined
          ? { deduplication: { id: scopedUniqueKey(options.workspaceId, options.uniqueKey) } }
          : {}),
      }
    )
    return `${queueName}:${job.id}`
  }

  async work(options: { queues?: string[]; concurrency?: number } = {}): Promise<void> {
    if (this.#workers.size) throw new Error('This queue is already working; call stop() first')
    const concurrency = Math.max(1, options.concurrency ?? this.#options.concurrency ?? 4)
    if (options.queues?.length) {
      for (const name of new Set(options.queues)) this.#startWorker(name, concurrency)
    } else {
      // Every queue: the ones known now, then any that appears later.
      for (const name of await this.#queueNames()) this.#startWorker(name, concurrency)
      this.#discovery = setInterval(() => {
        this.#queueNames()
          .then((names) => names.forEach((name) => this.#startWorker(name, concurrency)))
          .catch((error) => logger.error({ err: error }, 'queue: could not list queues'))
      }, 5000)
    }
    await Promise.all([...this.#workers.values()].map((worker) => worker.waitUntilReady()))
  }

  #startWorker(name: string, concurrency: number) {
    if (this.#workers.has(name)) return
    if (name.includes(':')) throw new Error(`Queue names cannot contain ":" (got "${name}")`)
    this.#known.add(name)
    const worker = new Worker<JobData, void, string>(
      name,
      (job, token) => this.#process(name, job, token),
      {
        connection: this.#connection(true),
        prefix: this.#prefix,
        concurrency,
        ...(this.#options.lockDurationMs ? { lockDuration: this.#options.lockDurationMs } : {}),
        ...(this.#options.stalledIntervalMs
          ? { stalledInterval: this.#options.stalledIntervalMs }
          : {}),
      }
    )
    worker.on('error', (error) => logger.error({ err: error }, `queue: worker error (${name})`))
    worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        logger.error({ jobId: `${name}:${job.id}`, job: job.name, err: error }, 'queue: job failed')
      }
    })
    this.#workers.set(name, worker)
  }

  async #process(queueName: string, job: BullJob, token?: string): Promise<void> {
    if (this.#stopping) {
      // Fetched while stopping (a blocking fetch already in flight): hand it back at once.
      await job.moveToWait(token)
      throw new WaitingError()
    }
    const id = `${queueName}:${job.id}`
    const done = this.#run(id, job, token)
    this.#running.set(id, { queue: queueName, job, token, done: done.catch(() => {}) })
    return done.finally(() => this.#running.delete(id))
  }

  async #run(id: string, job: BullJob, token?: string) {
    const handler = jobs.handler(job.name)
    // No retry can help until a worker that knows the job runs it.
    if (!handler) throw new UnrecoverableError(new UnknownJobError(job.name).message)

    const workspaceId = job.data.workspaceId ?? null
    const context: JobContext = {
      id,
      name: job.name,
      workspaceId,
      attempt: job.attemptsMade + 1,
      releaseAfter(ms: number): never {
        throw new ReleaseSignal(Math.max(0, Math.round(ms)))
      },
    }
    const payload = job.data.payload ?? {}
    try {
      if (workspaceId === null) {
        await handler(payload, context)
      } else {
        await tenancy.run(workspaceId, () => handler(payload, context))
      }
    } catch (error) {
      if (error instanceof ReleaseSignal) {
        await job.moveToDelayed(Date.now() + error.delayMs, token)
        throw new DelayedError()
      }
      if (error instanceof Error) {
        // BullMQ stores the message and the stack; keep them bounded.
        error.stack = describeError(error)
        throw error
      }
      throw new Error(describeError(error))
    }
  }

  async stop(): Promise<void> {
    if (this.#discovery) clearInterval(this.#discovery)
    this.#discovery = null
    if (!this.#workers.size) return
    const workers = [...this.#workers.values()]
    // Stop taking jobs, keep extending the locks of the running ones.
    this.#stopping = true
    await Promise.all(workers.map((worker) => worker.pause(true)))

    const running = [...this.#running.values()].map((entry) => entry.done)
    if (running.length) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#options.stopTimeoutMs ?? 30_000)
      })
      await Promise.race([Promise.allSettled(running), timeout])
      clearTimeout(timer)
    }

    // Still running after the grace period: close the workers first (so
    // that no fetch in flight takes the jobs again), then hand the jobs
    // back to `wait` through our own connection, with their lock tokens.
    const unfinished = [...this.#running.entries()]
    this.#running.clear()
    await Promise.all(workers.map((worker) => worker.close(unfinished.length > 0)))
    for (const [id, entry] of unfinished) {
      try {
        const job = (await this.#queue(entry.queue).getJob(String(entry.job.id))) as
          BullJob | undefined
        if (job) await job.moveToWait(entry.token)
      } catch (error) {
        logger.error({ err: error, jobId: id }, 'queue: could not release a running job')
      }
    }
    if (unfinished.length) {
      logger.warn(
        { jobs: unfinished.map(([id]) => id) },
        'queue: released jobs still running at shutdown'
      )
    }
    this.#workers.clear()
    this.#stopping = false
  }

  /** Queue names with BullMQ keys under our prefix, plus the known ones. */
  async #queueNames(): Promise<string[]> {
    const names = new Set(this.#known)
    const client = await this.#queue('default').getBackend().client
    const pattern = `${this.#prefix}:*:meta`
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, { MATCH: pattern, COUNT: 200 })
      cursor = next
      for (const key of keys) {
        const name = key.slice(this.#prefix.length + 1, -':meta'.length)
        if (name && !name.includes(':')) names.add(name)
      }
    } while (cursor !== '0')
    return [...names].sort()
  }

  async failed(options: { limit?: number; offset?: number } = {}): Promise<FailedJob[]> {
    const limit = options.limit ?? 50
    const offset = options.offset ?? 0
    const found: FailedJob[] = []
    for (const name of await this.#queueNames()) {
      const list = (await this.#queue(name).getFailed(0, offset + limit - 1)) as BullJob[]
      for (const job of list) {
        if (!job) continue
        const trace = job.stacktrace?.length ? job.stacktrace[job.stacktrace.length - 1] : null
        found.push({
          id: `${name}:${job.id}`,
          name: job.name,
          queue: name,
          workspaceId: job.data?.workspaceId ?? null,
          payload: job.data?.payload ?? {},
          attempts: job.attemptsMade,
          error: describeError(trace ?? job.failedReason ?? ''),
          failedAt: new Date(job.finishedOn ?? job.processedOn ?? job.timestamp),
        })
      }
    }
    found.sort((a, b) => b.failedAt.getTime() - a.failedAt.getTime())
    return found.slice(offset, offset + limit)
  }

  async retry(jobId: string): Promise<boolean> {
    const parts = this.#split(jobId)
    if (!parts || parts[0].includes(':')) return false
    const job = (await this.#queue(parts[0]).getJob(parts[1])) as BullJob | undefined
    if (!job || (await job.getState()) !== 'failed') return false
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
    return true
  }

  async stats() {
    const counts = { waiting: 0, delayed: 0, active: 0, failed: 0 }
    for (const name of await this.#queueNames()) {
      const c = await this.#queue(name).getJobCounts(
        'wait',
        'prioritized',
        'delayed',
        'active',
        'failed'
      )
      counts.waiting += (c.wait ?? 0) + (c.prioritized ?? 0)
      counts.delayed += c.delayed ?? 0
      counts.active += c.active ?? 0
      counts.failed += c.failed ?? 0
    }
    return counts
  }

  /** Stops the workers and closes every Redis connection of this driver. */
  async close() {
    await this.stop()
    await Promise.all([...this.#producers.values()].map((queue) => queue.close()))
    this.#producers.clear()
  }
}
