import type { ApplicationService } from '@adonisjs/core/types'

/**
 * `node ace serve` runs the web server and the worker in one process in
 * development: this starts `queue().work()` (every queue) and the webhook
 * ingestor inside the web process and stops them when the app terminates. It does nothing in
 * production (pm2 runs a separate `worker` process), in tests, in ace
 * commands, or when QUEUE_IN_PROCESS=false.
 *
 * Call it once the app is ready, from a provider's `ready()` hook.
 * Returns whether a worker was started.
 */
export async function startInProcessWorker(app: ApplicationService): Promise<boolean> {
  if (app.getEnvironment() !== 'web' || app.inProduction) return false
  const { default: env } = await import('#start/env')
  if (env.get('QUEUE_IN_PROCESS') === false) return false

  const { queue, closeQueue } = await import('#core/queue/main')
  const { default: logger } = await import('@adonisjs/core/services/logger')
  const { WebhookIngestor } = await import('#channels/webhooks/ingestor')
  await queue().work()
  const ingestor = new WebhookIngestor()
  ingestor.start()
  app.terminating(async () => {
    await ingestor.stop()
    await closeQueue()
  })
  logger.info('queue: consuming jobs in this process (QUEUE_IN_PROCESS=false to turn off)')
  return true
}
