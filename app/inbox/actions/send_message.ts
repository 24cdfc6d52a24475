import { DateTime } from 'luxon'
import emitter from '@adonisjs/core/services/emitter'
import Message from '#inbox/models/message'
import type Conversation from '#inbox/models/conversation'
import type { OutboundContent } from '#channels/driver'
import { OutsideServiceWindowException } from '#inbox/exceptions/outside_service_window_exception'
import { tenancy } from '#core/tenancy/context'
import { queue } from '#core/queue/main'
import { SEND_MAX_ATTEMPTS } from '#inbox/jobs/send_message_job'
import { filterOutbound } from '#core/plugin_host/outbound'

function summary(content: OutboundContent): string | null {
  switch (content.type) {
    case 'text':
      return content.text
    case 'image':
    case 'video':
    case 'document':
      return content.caption ?? ('filename' in content ? (content.filename ?? null) : null)
    case 'location':
      return content.name ?? `${content.latitude},${content.longitude}`
    case 'reaction':
      return content.emoji
    case 'template':
      return content.name
    default:
      return null
  }
}

/**
 * Queues an outbound message and returns at once; the `messages.send` job
 * delivers it through the channel driver. Free-form content outside the
 * 24-hour customer service window is refused here, whoever asks.
 */
export async function sendMessage(input: {
  conversation: Conversation
  content: OutboundContent
  replyTo?: string | null
  sentById?: number | null
}): Promise<Message> {
  const { conversation } = input
  if (input.content.type !== 'template' && !conversation.isServiceWindowOpen()) {
    throw new OutsideServiceWindowException()
  }
  // Plugins' outbound filters may rewrite the content or cancel (E_OUTBOUND_CANCELLED).
  const content = await filterOutbound({
    workspaceId: tenancy.workspaceId(),
    conversationId: conversation.id,
    channelId: conversation.channelId,
    content: input.content,
  })
  const message = await Message.create({
    conversationId: conversation.id,
    channelId: conversation.channelId,
    direction: 'out',
    type: content.type,
    body: summary(content),
    payload: { content },
    status: 'queued',
    replyToProviderId: input.replyTo ?? null,
    sentById: input.sentById ?? null,
    attempts: 0,
  })
  conversation.lastMessageAt = DateTime.now()
  await conversation.save()

  const workspaceId = tenancy.workspaceId()
  await queue().dispatch(
    'messages.send',
    { messageId: message.id },
    {
      workspaceId,
      uniqueKey: `send:${message.id}`,
      queue: 'outbound',
      attempts: SEND_MAX_ATTEMPTS,
      backoffMs: 2000,
    }
  )
  await emitter.emit('inbox:message_queued', {
    workspaceId,
    conversationId: conversation.id,
    messageId: message.id,
  })
  return message
}
