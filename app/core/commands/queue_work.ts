import { setPriority } from 'node:os'
import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace queue:work [--queue=a,b] [--concurrency=N] [--visibility-timeout=ms]`
 *
 * Runs queued jobs and ingests stored webhook deliveries until SIGTERM or SIGINT, then stops taking jobs, waits
 * up to 30 s for the running ones, hands back any still running (to
 * `waiting`) and exits 0. A second signal exits at once.
 *
 * Like every file in app/core/commands, this one imports no app code at
 * the top level: ace loads it before the app boots.
 *
 * Tests: with NODE_ENV=test and PARLEY_TEST_JOBS=1 the worker also loads
 * the test-only handlers of tests/helpers/queue_test_jobs.ts (used by
 * tests/functional/queue/sigkill.spec.ts, which runs this command as a
 * child process). Nothing else reads that variable.
 */
export default class QueueWork extends BaseCommand {
  static commandName = 'queue:work'
  static description = 'Run queued jobs until stopped (SIGTERM / SIGINT finish running jobs first)'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  @flags.string({ description: 'Comma-separated queues to take jobs from (default: every queue)' })
  declare queue?: string

  @flags.number({ description: 'Jobs run at once (default: QUEUE_CONCURRENCY, or 4)' })
  declare concurrency?: number

  @flags.number({
    description:
      'Database driver: ms a claimed job stays reserved without a heartbeat before another worker reclaims it (default 60000)',
  })
  declare visibilityTimeout?: number

  /** A staysAlive command must end the app itself; ace sets no exit code before that. */
  async #refuse(message: string) {
    this.logger.error(message)
    this.exitCode = 1
    process.exitCode = 1
    await this.terminate()
  }

  async run() {
    if (
      this.concurrency !== undefined &&
      (!Number.isInteger(this.concurrency) || this.concurrency < 1)
    ) {
      return this.#refuse('--concurrency must be a positive integer')
    }
    if (
      this.visibilityTimeout !== undefined &&
      (!Number.isFinite(this.visibilityTimeout) || this.visibilityTimeout < 100)
    ) {
      return this.#refuse('--visibility-timeout must be at least 100 (milliseconds)')
    }

    if (this.app.inTest && process.env.PARLEY_TEST_JOBS === '1') {
      await import('#tests/helpers/queue_test_jobs')
    }
    const { createQueue, useQueue, closeQueue } = await import('#core/queue/main')
    const { jobs } = await import('#core/queue/registry')

    const queues = (this.queue ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean)
    const driver = createQueue({
      concurrency: this.concurrency,
      visibilityTimeoutMs: this.visibilityTimeout,
    })
    useQueue(driver)

    this.app.terminating(async () => {
      this.logger.info('Stopping: finishing running jobs (up to 30 s)')
      await closeQueue()
      // Backstop: something other than the queue holding the event loop
      // open must not keep a stopped worker alive.
      setTimeout(() => process.exit(process.exitCode ?? 0), 10_000).unref()
    })
    // SIGTERM is wired to app.terminate() by bin/console.ts; SIGINT only
    // under pm2, so wire it here too. A second signal exits at once.
    let signals = 0
    const onSignal = () => {
      signals += 1
      if (signals > 1) process.exit(1)
      void this.app.terminate()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', () => {
      signals += 1
      if (signals > 1) process.exit(1)
    })

    // On a shared server, acknowledging webhooks in time (Meta retries slow
    // answers) matters more than how soon the backlog is processed: the
    // worker yields the CPU to the web server. QUEUE_WORKER_NICE=0 turns it off.
    const { default: env } = await import('#start/env')
    const nice = env.get('QUEUE_WORKER_NICE', 10)
    if (nice > 0) {
      try {
        setPriority(Math.min(19, nice))
      } catch {
        this.logger.warning('Could not lower the worker priority (QUEUE_WORKER_NICE)')
      }
    }
    await driver.work({ queues: queues.length ? queues : undefined, concurrency: this.concurrency })
    // Webhook deliveries are consumed from their own table (the `webhooks`
    // queue name selects them like any other queue).
    if (!queues.length || queues.includes('webhooks')) {
      const { WebhookIngestor } = await import('#channels/webhooks/ingestor')
      const ingestor = new WebhookIngestor({ leaseMs: this.visibilityTimeout })
      ingestor.start()
      this.app.terminating(() => ingestor.stop())
    }
    if (!this.app.inTest) {
      // Recurring jobs (start/jobs.ts) re-arm themselves; this queues them once.
      const { scheduleRecurringJobs } = await import('#start/jobs')
      await scheduleRecurringJobs()
    }
    this.logger.info(
      `Working ${queues.length ? queues.join(', ') : 'every queue'} (pid ${process.pid}, ${jobs.names().length} job handlers)`
    )
  }
}
