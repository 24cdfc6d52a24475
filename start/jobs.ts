/*
| Queue job handlers, by name. A job's payload carries ids only; the
| worker opens the job's tenant context before calling the handler.
| Webhook deliveries are not jobs: the WebhookIngestor consumes the
| webhook_events table directly (app/channels/webhooks/ingestor.ts).
*/
import { jobs } from '#core/queue/registry'
import { defineRecurringJob } from '#core/queue/recurring'
import { downloadInboundMedia } from '#channels/jobs/download_inbound_media'
import { sendMessageJob } from '#inbox/jobs/send_message_job'
import {
  HEALTH_SWEEP_EVERY_MS,
  channelHealthCheck,
  channelHealthSweep,
} from '#channels/jobs/channel_health'
import { pruneWebhookEvents } from '#channels/jobs/prune_webhook_events'
import {
  SCHEDULED_SWEEP_EVERY_MS,
  SCHEDULED_SWEEP_JOB,
  sendDueScheduledMessages,
} from '#inbox/jobs/send_scheduled_messages'
import { AVAILABILITY_SWEEP_EVERY_MS, sweepAvailability } from '#inbox/services/availability'
import { RETENTION_PURGE_EVERY_MS, retentionPurge } from '#inbox/jobs/retention_purge'
import { sendReceipt } from '#inbox/jobs/send_receipt'
import { WAKE_SNOOZED_EVERY_MS, wakeSnoozed } from '#inbox/jobs/wake_snoozed'

jobs.register('media.download_inbound', downloadInboundMedia)
jobs.register('messages.send', sendMessageJob)
jobs.register('channels.health_check', channelHealthCheck)
jobs.register('inbox.receipt', sendReceipt)

/*
| Recurring platform jobs: one copy each, re-armed after every run
| (app/core/queue/recurring.ts).
*/
defineRecurringJob({
  name: 'channels.health_sweep',
  everyMs: HEALTH_SWEEP_EVERY_MS,
  firstDelayMs: 60_000,
  run: channelHealthSweep,
})
defineRecurringJob({
  name: 'inbox.wake_snoozed',
  everyMs: WAKE_SNOOZED_EVERY_MS,
  run: async () => {
    await wakeSnoozed()
  },
})
defineRecurringJob({
  name: 'inbox.availability_sweep',
  everyMs: AVAILABILITY_SWEEP_EVERY_MS,
  run: async () => {
    await sweepAvailability()
  },
})
defineRecurringJob({
  name: SCHEDULED_SWEEP_JOB,
  everyMs: SCHEDULED_SWEEP_EVERY_MS,
  run: async () => {
    await sendDueScheduledMessages()
  },
})
defineRecurringJob({
  name: 'inbox.retention_purge',
  everyMs: RETENTION_PURGE_EVERY_MS,
  firstDelayMs: 10 * 60_000,
  run: retentionPurge,
})
defineRecurringJob({
  name: 'webhooks.prune',
  everyMs: 24 * 60 * 60 * 1000,
  firstDelayMs: 60_000,
  run: pruneWebhookEvents,
})

/**
 * Queues the recurring jobs (one copy each whatever the number of
 * workers). Called when a worker starts (queue:work, or `node ace serve`
 * consuming in-process).
 */
export async function scheduleRecurringJobs() {
  const { scheduleRecurring } = await import('#core/queue/recurring')
  await scheduleRecurring()
}
