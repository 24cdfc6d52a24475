import logger from '@adonisjs/core/services/logger'
import { jobs } from '#core/queue/registry'
import { queue } from '#core/queue/main'
import type { JobContext } from '#core/queue/types'

/**
 * Recurring platform jobs (sweeps, purges). Each is ONE job row (or BullMQ
 * job) under a unique key equal to its name that re-arms itself after
 * every run with `releaseAfter(everyMs)`: the row goes back to waiting,
 * keeping its key, so however many workers start and call
 * `scheduleRecurring()`, one copy exists and it never stops.
 *
 * (Dispatching the next run from inside the running job cannot work: the
 * running job still holds the unique key, so the dispatch returns the
 * running job's id and adds nothing; the sweep would run once per worker
 * start.)
 *
 * A run that throws is logged and re-armed like a successful one.
 */
export type RecurringJob = {
  name: string
  /** Interval between the end of one run and the start of the next. */
  everyMs: number
  /** Delay of the first run after a worker starts (default: everyMs). */
  firstDelayMs?: number
  run: () => Promise<void>
}

const definitions = new Map<string, RecurringJob>()

export function defineRecurringJob(definition: RecurringJob) {
  definitions.set(definition.name, definition)
  jobs.register(definition.name, async (_payload, job: JobContext) => {
    try {
      await definition.run()
    } catch (error) {
      logger.error({ err: error, job: definition.name }, 'queue: recurring job run failed')
    }
    job.releaseAfter(definition.everyMs)
  })
}

/** Names of the recurring jobs: they re-arm forever, so a queue is "drained" without them. */
export function recurringJobNames(): string[] {
  return [...definitions.keys()]
}

/** Queues every defined recurring job unless it is already queued (called when a worker starts). */
export async function scheduleRecurring() {
  for (const definition of definitions.values()) {
    await queue().dispatch(
      definition.name,
      {},
      {
        workspaceId: null,
        delayMs: definition.firstDelayMs ?? definition.everyMs,
        uniqueKey: definition.name,
        attempts: 1,
      }
    )
  }
}
