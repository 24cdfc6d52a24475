/*
| Queue job handlers, by name. A job's payload carries ids only; the
| worker opens the job's tenant context before calling the handler.
*/
import { jobs } from '#core/queue/registry'
import { processMetaWebhook } from '#channels/jobs/process_meta_webhook'
import { downloadInboundMedia } from '#channels/jobs/download_inbound_media'
import { sendMessageJob } from '#inbox/jobs/send_message_job'
import { channelHealthCheck, channelHealthSweep } from '#channels/jobs/channel_health'
import { pruneWebhookEvents } from '#channels/jobs/prune_webhook_events'

jobs.register('webhooks.meta', processMetaWebhook)
jobs.register('media.download_inbound', downloadInboundMedia)
jobs.register('messages.send', sendMessageJob)
jobs.register('channels.health_sweep', channelHealthSweep)
jobs.register('channels.health_check', channelHealthCheck)
jobs.register('webhooks.prune', pruneWebhookEvents)
