/**
 * Parley's one queue interface. Two drivers implement it: `database`
 * (default; SQLite / MySQL / MariaDB) and `redis` (BullMQ). Handlers are
 * registered by name; every job carries the workspace id it belongs to
 * (or null for platform jobs) and runs inside that tenant context.
 */
export type JobPayload = Record<string, unknown>

export type DispatchOptions = {
  /** Tenant the job runs as; null for platform jobs (health sweeps, retention). */
  workspaceId: number | null
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number
  /** Attempts before the job is marked failed (default 5). */
  attempts?: number
  /** Backoff between attempts: exponential from `backoffMs` (default 1000). */
  backoffMs?: number
  /**
   * Idempotency key: while a job with the same key is waiting, delayed or
   * running, dispatching again returns the existing job id and adds nothing.
   */
  uniqueKey?: string
  /** Queue name (default 'default'). */
  queue?: string
}

export type JobContext = {
  id: string
  name: string
  workspaceId: number | null
  attempt: number
  /** Ask to run again later without counting a failure (e.g. rate limited). */
  releaseAfter(ms: number): never
}

export type JobHandler<P extends JobPayload = JobPayload> = (
  payload: P,
  job: JobContext
) => Promise<void>

export type FailedJob = {
  id: string
  name: string
  queue: string
  workspaceId: number | null
  payload: JobPayload
  attempts: number
  error: string
  failedAt: Date
}

export interface Queue {
  dispatch(name: string, payload: JobPayload, options: DispatchOptions): Promise<string>
  /** Start consuming: `concurrency` jobs at a time from `queues`. */
  work(options?: { queues?: string[]; concurrency?: number }): Promise<void>
  /** Stop taking jobs; finish (or release) the running ones. */
  stop(): Promise<void>
  failed(options?: { limit?: number; offset?: number }): Promise<FailedJob[]>
  retry(jobId: string): Promise<boolean>
  /** Counts per state, for the admin panel and tests. */
  stats(): Promise<{ waiting: number; delayed: number; active: number; failed: number }>
}
