import { DateTime } from 'luxon'
import env from '#start/env'
import db from '@adonisjs/lucid/services/db'

/**
 * `webhooks.prune` (recurring platform job, daily; see start/jobs.ts): deletes processed and malformed
 * deliveries older than WEBHOOK_RETENTION_DAYS (default 7). Pending and
 * failed ones stay until someone looks at them.
 */
export async function pruneWebhookEvents() {
  const days = env.get('WEBHOOK_RETENTION_DAYS', 7)
  const cutoff = DateTime.now().minus({ days }).toSQL({ includeOffset: false })
  await db
    .from('webhook_events')
    .whereIn('status', ['processed', 'malformed'])
    .where('received_at', '<', cutoff!)
    .delete()
}
