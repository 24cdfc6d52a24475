import db from '@adonisjs/lucid/services/db'
import { createQueue, queue } from '#core/queue/main'
import { WebhookIngestor } from '#channels/webhooks/ingestor'
import { recurringJobNames } from '#core/queue/recurring'

const QUEUES = ['default', 'webhooks', 'media', 'outbound']

/**
 * Runs a worker and a webhook ingestor until no job is waiting, delayed or
 * running (except the job names in `except` and the recurring sweeps,
 * which re-arm forever once a worker has scheduled them) and no stored
 * webhook delivery is due, or `timeoutMs` passes; then stops them.
 * Functional tests use it to let the pipeline run.
 */
export async function drainQueue(options: { timeoutMs?: number; except?: string[] } = {}) {
  const timeoutMs = options.timeoutMs ?? 15_000
  const worker = createQueue({ driver: 'database', concurrency: 4 })
  await worker.work({ queues: QUEUES })
  const ingestor = new WebhookIngestor({ idleMs: 10, maxIdleMs: 20 })
  ingestor.start()
  const deadline = Date.now() + timeoutMs
  const pending = async () => {
    const query = db.from('jobs').whereIn('status', ['waiting', 'active'])
    query.whereNotIn('name', [...(options.except ?? []), ...recurringJobNames()])
    const [row] = await query.count('* as total')
    const [due] = await db
      .from('webhook_events')
      .where('status', 'pending')
      .where('available_at', '<=', Date.now())
      .count('* as total')
    return Number(row.total) + Number(due.total)
  }
  try {
    while (Date.now() < deadline) {
      if ((await pending()) === 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const stuck = await db
      .from('jobs')
      .whereIn('status', ['waiting', 'active'])
      .select('name', 'attempts', 'last_error')
      .limit(5)
    throw new Error(
      `Queue not drained after ${timeoutMs} ms: ${JSON.stringify(await queue().stats())} ${JSON.stringify(stuck)}`
    )
  } finally {
    await ingestor.stop()
    await worker.stop()
    await worker.close()
  }
}

/**
 * Campaign work a spec leaves behind keeps jobs alive: a campaign still
 * running (waiting for a tier window or recipients due hours later) re-arms
 * its dispatch job, and an A/B test keeps a winner job due in hours. Every
 * later `drainQueue()` would wait for them and time out, so tests/bootstrap.ts
 * runs this after each group: unfinished campaigns are cancelled and their
 * jobs dropped (the recurring sweeps are left alone).
 */
export async function forgetCampaignWork() {
  await db
    .from('campaigns')
    .whereIn('status', [
      'running',
      'paused',
      'preparing',
      'scheduled',
      'recurring',
      'awaiting_approval',
    ])
    .update({ status: 'cancelled' })
  await db
    .from('jobs')
    .where('name', 'like', 'campaigns.%')
    .whereIn('status', ['waiting', 'active'])
    .whereNotIn('name', recurringJobNames())
    .delete()
}
