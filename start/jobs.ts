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
import { importContactsJob } from '#contacts/jobs/import_contacts'
import {
  STATISTICS_EVERY_MS,
  STATISTICS_JOB,
  refreshContactStatistics,
} from '#contacts/services/table_statistics'
import { exportContactsJob } from '#contacts/jobs/export_contacts'
import { bulkContactsJob } from '#contacts/jobs/bulk_contacts'
import { PURGE_EXPORTS_EVERY_MS } from '#contacts/jobs/purge_expired_exports'
import { pickWinnerJob, prepareCampaignJob } from '#campaigns/jobs/campaign_jobs'
import {
  CAMPAIGN_SCHEDULER_EVERY_MS,
  CAMPAIGN_SCHEDULER_JOB,
  runCampaignScheduler,
} from '#campaigns/jobs/scheduler'
import { DISPATCH_JOB, dispatchCampaignJob } from '#campaigns/jobs/dispatch_campaign'

jobs.register('media.download_inbound', downloadInboundMedia)
jobs.register('messages.send', sendMessageJob)
jobs.register('channels.health_check', channelHealthCheck)
jobs.register('inbox.receipt', sendReceipt)
jobs.register('contacts.import', importContactsJob)
jobs.register('contacts.export', exportContactsJob)
jobs.register('contacts.bulk', bulkContactsJob)
jobs.register(DISPATCH_JOB, dispatchCampaignJob)
jobs.register('campaigns.prepare', prepareCampaignJob)
jobs.register('campaigns.pick_winner', pickWinnerJob)
jobs.register(`${STATISTICS_JOB}.after_import`, async () => {
  await refreshContactStatistics()
})

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
  name: 'contacts.purge_exports',
  everyMs: PURGE_EXPORTS_EVERY_MS,
  firstDelayMs: 5 * 60_000,
  run: async () => {
    const { purgeExpiredExports } = await import('#contacts/jobs/purge_expired_exports')
    await purgeExpiredExports()
  },
})
defineRecurringJob({
  name: STATISTICS_JOB,
  everyMs: STATISTICS_EVERY_MS,
  firstDelayMs: 60 * 60_000,
  run: async () => {
    await refreshContactStatistics()
  },
})
defineRecurringJob({
  name: CAMPAIGN_SCHEDULER_JOB,
  everyMs: CAMPAIGN_SCHEDULER_EVERY_MS,
  run: async () => {
    await runCampaignScheduler()
  },
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
