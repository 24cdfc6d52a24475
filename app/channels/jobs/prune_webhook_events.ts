import { DateTime } from 'luxon'
import env from '#start/env'
import db from '@adonisjs/lucid/services/db'
import { queue } from '#core/queue/main'

/**
 * `webhooks.prune` (platform job, daily): deletes processed and malformed
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
  await queue().dispatch(
    'webhooks.prune',
    {},
    {
      workspaceId: null,
      delayMs: 24 * 60 * 60 * 1000,
      uniqueKey: 'webhooks.prune',
      attempts: 1,
    }
  )
}
