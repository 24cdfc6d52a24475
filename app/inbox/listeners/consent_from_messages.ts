import logger from '@adonisjs/core/services/logger'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import { sendMessage } from '#inbox/actions/send_message'
import { recordConsent } from '#contacts/services/consent'
import { matchKeyword } from '#contacts/services/consent_keywords'
import { tenancy } from '#core/tenancy/context'
import type { MessageEvent, MessagesReceivedEvent } from '#inbox/events'

/** Meta's error for a send to someone who stopped marketing messages. */
export const MARKETING_STOPPED_ERROR = 131050

/**
 * STOP/START keywords. An inbound text whose whole (trimmed) body is one
 * of the workspace's keywords records a marketing opt-out or opt-in
 * (source `keyword`, the text as proof) and answers with the
 * confirmation of the keyword's language; the customer just wrote, so
 * the 24-hour window is open. Most messages are not keywords: they are
 * told apart from the event alone (type, length, the workspace's cached
 * keyword list), without a query. Idempotent: each consent row is keyed
 * on the message id, and a replay records nothing and sends nothing.
 */
export async function handleConsentKeywords(event: MessagesReceivedEvent) {
  const candidates = event.messages.filter(
    (message) => message.type === 'text' && message.body && message.body.length <= 80
  )
  if (!candidates.length) return
  await tenancy.run(event.workspaceId, async () => {
    for (const message of candidates) {
      try {
        const match = await matchKeyword(message.body!)
        if (!match) continue
        const recorded = await recordConsent({
          contactId: message.contactId,
          event: match.event,
          scope: 'marketing',
          source: 'keyword',
          proof: { text: message.body },
          messageId: message.messageId,
          dedupeKey: `keyword:${message.messageId}`,
        })
        if (!recorded) continue
        const conversation = await Conversation.findOrFail(message.conversationId)
        await sendMessage({ conversation, content: { type: 'text', text: match.reply } })
      } catch (error) {
        // Never fail the ingestion of a message because of its side effects.
        logger.error(
          { err: error, workspaceId: event.workspaceId, messageId: message.messageId },
          'consent: keyword handling failed'
        )
      }
    }
  })
}

/**
 * A send refused with Meta error 131050 (the customer stopped marketing
 * messages from this business) is an opt-out, whether the refusal came
 * back from the send request (send job) or later in a `failed` status
 * webhook. Keyed on the message id, so a retried job records it once.
 */
export async function handleMarketingStopped(event: MessageEvent & { status: string }) {
  if (event.status !== 'failed') return
  try {
    await tenancy.run(event.workspaceId, async () => {
      const message = await Message.query()
        .where('id', event.messageId)
        .select('id', 'conversation_id', 'error_code', 'error_message', 'failed_at')
        .first()
      if (!message || Number(message.errorCode) !== MARKETING_STOPPED_ERROR) return
      const conversation = await Conversation.findOrFail(message.conversationId)
      await recordConsent({
        contactId: conversation.contactId,
        event: 'opt_out',
        scope: 'marketing',
        source: 'error_131050',
        proof: { text: message.errorMessage },
        messageId: message.id,
        occurredAt: message.failedAt ?? undefined,
        dedupeKey: `error_131050:${message.id}`,
      })
    })
  } catch (error) {
    logger.error({ err: error, ...event }, 'consent: recording error 131050 failed')
  }
}
