import { DateTime } from 'luxon'
import emitter from '@adonisjs/core/services/emitter'
import db from '@adonisjs/lucid/services/db'
import { affectedRows } from '#core/helpers/db_errors'
import Message from '#inbox/models/message'
import type { OutboundContent } from '#channels/driver'
import { OutsideServiceWindowException } from '#inbox/exceptions/outside_service_window_exception'
import { tenancy } from '#core/tenancy/context'
import { queue } from '#core/queue/main'
import { SEND_MAX_ATTEMPTS } from '#inbox/jobs/send_message_job'
import { filterOutbound } from '#core/plugin_host/outbound'
import Conversation from '#inbox/models/conversation'
import { previewOf, recordAgentHandled, syncStored } from '#inbox/services/conversation_metrics'
import { sqlDateTime } from '#core/helpers/sql_time'
import { assertTemplateSendable } from '#templates/services/guard'
import { renderedMessageText, valuesFromSendComponents } from '#templates/services/render'

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
 *
 * `media`: an attachment already stored on the drive (the composer checks
 * it against Meta's limits first); the send job uploads it to the
 * provider when the content carries no media id or link.
 *
 * A template must be APPROVED for the conversation's channel (its WABA),
 * name and language (E_TEMPLATE_NOT_APPROVED otherwise); its text filled
 * with the sent values is the message body, so the thread shows what the
 * customer reads. The send job checks the status again before sending.
 *
 * The conversation's list fields (last message time, preview, direction)
 * follow. A message with `sentById` is an agent reply: it bumps
 * `agent_reply_count`, sets the first response time once (from the
 * conversation's first inbound message) and records the agent as having
 * handled the conversation. Automatic sends (no `sentById`) count as none
 * of these.
 */
export async function sendMessage(input: {
  conversation: Conversation
  content: OutboundContent
  replyTo?: string | null
  sentById?: number | null
  media?: { path: string; mime: string } | null
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
  let body = summary(content)
  if (content.type === 'template') {
    const template = await assertTemplateSendable({
      channelId: conversation.channelId,
      name: content.name,
      language: content.language,
    })
    const text = renderedMessageText(
      template,
      valuesFromSendComponents(template, content.components)
    )
    if (text) body = text
  }
  const message = await Message.create({
    conversationId: conversation.id,
    channelId: conversation.channelId,
    direction: 'out',
    type: content.type,
    body,
    payload: { content },
    status: 'queued',
    replyToProviderId: input.replyTo ?? null,
    sentById: input.sentById ?? null,
    mediaPath: input.media?.path ?? null,
    mediaMime: input.media?.mime ?? null,
    attempts: 0,
  })
  const now = DateTime.now()
  conversation.lastMessageAt = now
  conversation.lastMessagePreview = previewOf(content.type, message.body)
  conversation.lastMessageDirection = 'out'
  await conversation.save()

  const workspaceId = tenancy.workspaceId()
  if (input.sentById) await countAgentReply(workspaceId, conversation, input.sentById, now)
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

/**
 * Agent reply metrics, written atomically (two agents may answer at
 * once): the reply count, and the first response time unless already set,
 * measured from the conversation's first inbound message.
 */
async function countAgentReply(
  workspaceId: number,
  conversation: Conversation,
  userId: number,
  now: DateTime
) {
  const update: Record<string, unknown> = {
    agent_reply_count: db.knexRawQuery('agent_reply_count + 1'),
  }
  let firstResponse: { at: DateTime; seconds: number } | null = null
  if (!conversation.firstResponseAt) {
    const first = await Message.query()
      .where('conversation_id', conversation.id)
      .where('direction', 'in')
      .orderBy('id', 'asc')
      .select('provider_timestamp', 'created_at')
      .first()
    const since = first ? (first.providerTimestamp ?? first.createdAt) : conversation.createdAt
    firstResponse = {
      at: now,
      seconds: Math.max(0, Math.round(now.diff(since as DateTime, 'seconds').seconds)),
    }
  }
  await Conversation.query().where('id', conversation.id).update(update)
  if (firstResponse) {
    const claimed = await Conversation.query()
      .where('id', conversation.id)
      .whereNull('first_response_at')
      .update({
        first_response_at: sqlDateTime(firstResponse.at),
        first_response_seconds: firstResponse.seconds,
      })
    if (affectedRows(claimed) > 0) {
      syncStored(conversation, {
        firstResponseAt: firstResponse.at,
        firstResponseSeconds: firstResponse.seconds,
      })
    }
  }
  syncStored(conversation, { agentReplyCount: Number(conversation.agentReplyCount ?? 0) + 1 })
  await recordAgentHandled(workspaceId, conversation.id, userId, 'reply', now)
}
