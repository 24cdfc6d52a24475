import type { JobHandler, JobPayload } from '#core/queue/types'

/**
 * Job handlers by name. Modules register theirs at boot
 * (`jobs.register('inbox.send_message', sendMessage)`); both queue drivers
 * look them up here when a job runs. Registering a name twice is a bug
 * (two modules claiming one job), so it throws instead of replacing.
 */
const handlers = new Map<string, JobHandler>()

export const jobs = {
  register<P extends JobPayload>(name: string, handler: JobHandler<P>) {
    if (!name.trim()) throw new Error('A job name cannot be empty')
    const existing = handlers.get(name)
    if (existing && existing !== handler) {
      throw new Error(`A handler for job "${name}" is already registered`)
    }
    handlers.set(name, handler as JobHandler)
  },

  handler(name: string): JobHandler | undefined {
    return handlers.get(name)
  },

  has(name: string): boolean {
    return handlers.has(name)
  },

  names(): string[] {
    return [...handlers.keys()]
  },

  /** For tests that register throwaway handlers. */
  unregister(name: string) {
    handlers.delete(name)
  },
}

/**
 * What `JobContext.releaseAfter(ms)` throws: the worker catches it and
 * schedules the job again after `delayMs` without counting an attempt.
 * Not exported from the drivers' public surface; handlers just call
 * `job.releaseAfter(ms)`.
 */
export class ReleaseSignal extends Error {
  constructor(readonly delayMs: number) {
    super(`Job released for ${delayMs} ms`)
    this.name = 'ReleaseSignal'
  }
}

export class UnknownJobError extends Error {
  constructor(name: string) {
    super(
      `No handler is registered for job "${name}". Register one with jobs.register("${name}", handler) in a module loaded by the worker.`
    )
    this.name = 'UnknownJobError'
  }
}

/** Error message and stack of a failed attempt, trimmed to 4 KB for storage. */
export function describeError(error: unknown, limit = 4096): string {
  let text: string
  if (error instanceof Error) {
    const stack = error.stack ?? ''
    text = stack.includes(error.message) ? stack : `${error.name}: ${error.message}\n${stack}`
  } else {
    text = String(error)
  }
  if (Buffer.byteLength(text) <= limit) return text
  // Trim by bytes (the column is text on MySQL: 64 KB; 4 KB is plenty to diagnose).
  return (
    Buffer.from(text)
      .subarray(0, limit - 3)
      .toString('utf8')
      .replace(/\uFFFD$/, '') + '...'
  )
}

/** Keys are scoped by tenant so that two workspaces never share one. */
export function scopedUniqueKey(workspaceId: number | null, key: string) {
  return `${workspaceId ?? 'platform'}:${key}`
}
