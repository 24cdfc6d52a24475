import { DateTime } from 'luxon'
import emitter from '@adonisjs/core/services/emitter'
import type { JobContext } from '#core/queue/types'
import Message from '#inbox/models/message'
import Conversation from '#inbox/models/conversation'
import Channel from '#channels/models/channel'
import drive from '@adonisjs/drive/services/main'
import { ChannelSendError, type ChannelDriver, type OutboundContent } from '#channels/driver'
import { channelDrivers } from '#channels/registry'
import { circuitBreaker } from '#channels/circuit_breaker'
import { channelRateLimiter } from '#channels/rate_limiter'
import { tenancy } from '#core/tenancy/context'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import { sqlDateTime } from '#core/helpers/sql_time'
import { assertTemplateSendable, TemplateNotApprovedException } from '#templates/services/guard'

export const SEND_MAX_ATTEMPTS = 8

async function fail(message: Message, error: { code: number | null; title: string; text: string }) {
  message.merge({
    status: 'failed',
    errorCode: error.code,
    errorTitle: error.title.slice(0, 255),
    errorMessage: error.text.slice(0, 1000),
    failedAt: DateTime.now(),
  })
  await message.save()
  await emitter.emit('inbox:message_status', {
    workspaceId: tenancy.workspaceId(),
    conversationId: message.conversationId,
    messageId: message.id,
    status: 'failed',
  })
}

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker'])

/**
 * An attachment stored on the drive (composer uploads) is uploaded to the
 * provider on the first attempt; the media id is kept in the payload so a
 * retry does not upload it again (uploaded ids live 30 days at Meta).
 */
async function withUploadedMedia(
  message: Message,
  channel: Channel,
  driver: ChannelDriver
): Promise<OutboundContent> {
  const content = (message.payload as { content: OutboundContent }).content
  if (!MEDIA_TYPES.has(content.type) || !message.mediaPath) return content
  const media = content as Extract<OutboundContent, { mediaId?: string }>
  if (media.mediaId || media.link) return content
  const bytes = await drive.use().getBytes(message.mediaPath)
  const { mediaId } = await driver.uploadMedia(channel.credentials(), {
    bytes,
    mimeType: message.mediaMime ?? 'application/octet-stream',
    filename: media.filename ?? message.mediaPath.split('/').pop() ?? 'file',
  })
  const uploaded = { ...media, mediaId } as OutboundContent
  message.payload = { ...message.payload, content: uploaded }
  await message.save()
  return uploaded
}

/**
 * The `messages.send` job. Sends one queued message through its channel's
 * driver, honouring the channel's circuit breaker and its rate limiter
 * (shared by every worker), and maps the provider's verdict: retry with
 * backoff, wait and retry later, or give up with the reason stored on the
 * message for the agent to read.
 */
export async function sendMessageJob(payload: { messageId: number }, job: JobContext) {
  const message = await Message.find(payload.messageId)
  // Notes (direction 'note') never reach a driver.
  if (!message || message.direction !== 'out' || !['queued', 'sending'].includes(message.status)) {
    return
  }

  const conversation = await Conversation.query()
    .where('id', message.conversationId)
    .preload('contact')
    .firstOrFail()
  const channel = await Channel.findOrFail(conversation.channelId)

  // A template may have been paused or disabled by Meta while this waited.
  const queued = (message.payload as { content?: OutboundContent } | null)?.content
  if (queued?.type === 'template') {
    try {
      await assertTemplateSendable(
        { channelId: channel.id, name: queued.name, language: queued.language },
        { fresh: true }
      )
    } catch (error) {
      if (!(error instanceof TemplateNotApprovedException)) throw error
      return fail(message, { code: null, title: 'Template not approved', text: error.message })
    }
  }

  const slot = await channelRateLimiter.acquire(channel)
  if (!slot.allowed) return job.releaseAfter(slot.retryAfterMs)

  const contact = conversation.contact
  // An imported or hand-made contact has only its E.164 phone until it writes.
  const to = contact.waId ?? contact.bsuid ?? contact.phone
  if (!to) {
    return fail(message, {
      code: null,
      title: 'No recipient',
      text: 'This contact has neither a WhatsApp number nor a WhatsApp user id.',
    })
  }

  message.merge({ status: 'sending', attempts: message.attempts + 1 })
  await message.save()

  try {
    // The breaker fails fast (CircuitOpenError, action 'wait') while open.
    const result = await circuitBreaker.run(channel.id, async () => {
      const driver = channelDrivers.get(channel.driver)
      const content = await withUploadedMedia(message, channel, driver)
      // The same per-process send window as campaign dispatch.
      return channelRateLimiter.withinWindow(channel, () =>
        driver.send(channel.credentials(), {
          to,
          content,
          replyTo: message.replyToProviderId ?? undefined,
        })
      )
    })
    message.merge({
      status: 'sent',
      providerMessageId: result.providerMessageId,
      sentAt: DateTime.now(),
      errorCode: null,
      errorTitle: null,
      errorMessage: null,
    })
    await message.save()
    // Engagement counters (segments read them); a replayed job never gets here twice.
    await Contact.query()
      .where('id', contact.id)
      .update({
        messages_out: db.knexRawQuery('messages_out + 1'),
        last_outbound_at: sqlDateTime(message.sentAt!),
      })
    await emitter.emit('inbox:message_status', {
      workspaceId: tenancy.workspaceId(),
      conversationId: message.conversationId,
      messageId: message.id,
      status: 'sent',
    })
  } catch (error) {
    if (!(error instanceof ChannelSendError)) {
      message.status = 'queued'
      await message.save()
      throw error
    }
    if (error.action === 'retry') {
      if (job.attempt >= SEND_MAX_ATTEMPTS) {
        return fail(message, { code: error.code, title: 'Not sent', text: error.message })
      }
      message.status = 'queued'
      await message.save()
      throw error
    }
    if (error.action === 'wait') {
      message.status = 'queued'
      await message.save()
      return job.releaseAfter(error.retryAfterMs ?? 60_000)
    }
    await fail(message, {
      code: error.code,
      title: error.details ?? 'Not sent',
      text: error.message,
    })
  }
}
