/*
| Queue job handlers, by name. A job's payload carries ids only; the
| worker opens the job's tenant context before calling the handler.
| Webhook deliveries are not jobs: the WebhookIngestor consumes the
| webhook_events table directly (app/channels/webhooks/ingestor.ts).
*/
import { jobs } from '#core/queue/registry'
import { downloadInboundMedia } from '#channels/jobs/download_inbound_media'
import { sendMessageJob } from '#inbox/jobs/send_message_job'
import { channelHealthCheck, channelHealthSweep } from '#channels/jobs/channel_health'
import { pruneWebhookEvents } from '#channels/jobs/prune_webhook_events'
import { scheduledSweepJob } from '#inbox/jobs/send_scheduled_messages'
import { availabilitySweep } from '#inbox/services/availability'
import { retentionPurge } from '#inbox/jobs/retention_purge'
import { sendReceipt } from '#inbox/jobs/send_receipt'

jobs.register('media.download_inbound', downloadInboundMedia)
jobs.register('messages.send', sendMessageJob)
jobs.register('channels.health_sweep', channelHealthSweep)
jobs.register('channels.health_check', channelHealthCheck)
jobs.register('webhooks.prune', pruneWebhookEvents)
jobs.register('inbox.scheduled_sweep', scheduledSweepJob)
jobs.register('inbox.availability_sweep', availabilitySweep)
jobs.register('inbox.retention_purge', retentionPurge)
jobs.register('inbox.receipt', sendReceipt)

/**
 * Recurring platform jobs: each reschedules itself; the unique key keeps
 * one pending copy whatever the number of workers. Called when a worker
 * starts (queue:work, or `node ace serve` consuming in-process).
 */
export async function scheduleRecurringJobs() {
  const { scheduleHealthSweep } = await import('#channels/jobs/channel_health')
  const { queue } = await import('#core/queue/main')
  await scheduleHealthSweep(60_000)
  const { scheduleScheduledSweep } = await import('#inbox/jobs/send_scheduled_messages')
  await scheduleScheduledSweep()
  const { scheduleAvailabilitySweep } = await import('#inbox/services/availability')
  await scheduleAvailabilitySweep()
  const { scheduleRetentionPurge } = await import('#inbox/jobs/retention_purge')
  await scheduleRetentionPurge(10 * 60_000)
  await queue().dispatch(
    'webhooks.prune',
    {},
    {
      workspaceId: null,
      delayMs: 60_000,
      uniqueKey: 'webhooks.prune',
      attempts: 1,
    }
  )
}
