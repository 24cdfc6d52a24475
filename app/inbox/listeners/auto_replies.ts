import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import Conversation from '#inbox/models/conversation'
import AutoReply, { type AutoReplyKind } from '#inbox/models/auto_reply'
import { sendMessage } from '#inbox/actions/send_message'
import { closedPeriodKeyAt, scheduleFor, type Schedule } from '#inbox/services/business_hours'
import { matchKeyword } from '#contacts/services/consent_keywords'
import { utilityAllowed } from '#contacts/services/consent'
import { affectedRows } from '#core/helpers/db_errors'
import { tenancy } from '#core/tenancy/context'
import type { MessagesReceivedEvent, ReceivedMessage } from '#inbox/events'

/** Inbound types that are not the customer writing to the business. */
const IGNORED_TYPES = new Set(['reaction', 'system', 'unsupported', 'unknown', 'errors'])

/**
 * A message older than this when its event is handled (offline history of
 * a QR channel, a delivery Meta retried for hours) gets no automatic
 * answer: "we are closed" a day late helps nobody.
 */
export const AUTO_REPLY_MAX_AGE_MINUTES = 60

/** The listener's clock; tests move it instead of sleeping. */
export const autoReplyClock: { now: () => DateTime } = { now: () => DateTime.now() }

function primary(locale: string | null | undefined) {
  return locale ? locale.toLowerCase().split(/[-_]/)[0] : null
}

/**
 * The reply to send: the channel's enabled replies of the kind when it has
 * any, else the workspace's; in the conversation's language when known,
 * else the workspace's, else English, else any.
 */
export function pickReply(
  replies: AutoReply[],
  kind: AutoReplyKind,
  channelId: number,
  locales: (string | null | undefined)[]
): AutoReply | null {
  const ofKind = replies.filter((reply) => reply.kind === kind && reply.enabled && reply.body)
  const own = ofKind.filter((reply) => Number(reply.channelId) === channelId)
  const candidates = own.length ? own : ofKind.filter((reply) => reply.channelId === null)
  for (const locale of [...locales.map(primary), 'en']) {
    const match = locale && candidates.find((reply) => primary(reply.locale) === locale)
    if (match) return match
  }
  return candidates[0] ?? null
}

async function send(conversation: Conversation, reply: AutoReply, kind: AutoReplyKind) {
  const message = await sendMessage({
    conversation,
    content: { type: 'text', text: reply.body },
  })
  // sendMessage takes no extra payload: mark the message as automatic
  // afterwards. Only the payload column is written, so the send job's
  // concurrent status updates are untouched.
  await db
    .from('messages')
    .where('workspace_id', tenancy.workspaceId())
    .where('id', message.id)
    .update({
      payload: JSON.stringify({ ...message.payload, auto: kind, autoReplyLocale: reply.locale }),
    })
}

/**
 * Away and greeting messages, on `inbox:messages_received`
 * (docs/inbox.md, "Business hours and away messages").
 *
 * - Only inbound messages from the customer: never reactions or system
 *   notices, never a STOP/START keyword (it gets its confirmation,
 *   nothing else), never a contact who opted out of service messages,
 *   never an old message (AUTO_REPLY_MAX_AGE_MINUTES).
 * - Outside business hours at the message's time: the away message, once
 *   per conversation per closed period. The claim is one conditional
 *   UPDATE of `away_sent_period` (only to a later period), so concurrent
 *   deliveries and replays send it once. Outside hours the away message
 *   replaces the greeting (it also marks the conversation greeted).
 * - Otherwise, for the first inbound message of a conversation: the
 *   greeting, claimed the same way through `greeting_sent_at`.
 *
 * A workspace without enabled replies costs one query per batch; the
 * conversations, consent, locale and schedules are read once per batch.
 */
export async function handleAutoReplies(event: MessagesReceivedEvent) {
  const now = autoReplyClock.now()
  const recent = event.messages.filter(
    (message) =>
      !IGNORED_TYPES.has(message.type) &&
      now.diff(message.at, 'minutes').minutes <= AUTO_REPLY_MAX_AGE_MINUTES
  )
  if (!recent.length) return
  try {
    await tenancy.run(event.workspaceId, async () => {
      const replies = await AutoReply.query().where('enabled', true)
      if (!replies.length) return
      const messages: ReceivedMessage[] = []
      for (const message of recent) {
        const short = message.type === 'text' && message.body && message.body.length <= 80
        if (short && (await matchKeyword(message.body!))) continue
        messages.push(message)
      }
      if (!messages.length) return

      const workspaceId = tenancy.workspaceId()
      const conversations = new Map(
        (
          await Conversation.query().whereIn('id', [
            ...new Set(messages.map((message) => message.conversationId)),
          ])
        ).map((conversation) => [conversation.id, conversation])
      )
      const allowed = await utilityAllowed([
        ...new Set([...conversations.values()].map((conversation) => conversation.contactId)),
      ])
      const workspace = await db
        .from('workspaces')
        .where('id', workspaceId)
        .select('locale')
        .first()
      const schedules = new Map<number, Promise<Schedule>>()
      const scheduleOf = (channelId: number) => {
        let schedule = schedules.get(channelId)
        if (!schedule) {
          schedule = scheduleFor(workspaceId, channelId)
          schedules.set(channelId, schedule)
        }
        return schedule
      }
      /** `conversation id|closed period` pairs already claimed (or lost) in this batch. */
      const awayTried = new Set<string>()

      for (const message of messages) {
        const conversation = conversations.get(message.conversationId)
        if (!conversation || !allowed.has(Number(conversation.contactId))) continue
        try {
          await replyTo(message, conversation, {
            replies,
            locales: [conversation.language, workspace?.locale],
            schedule: await scheduleOf(conversation.channelId),
            awayTried,
          })
        } catch (error) {
          // Never fail the ingestion of a message because of its side effects.
          logger.error(
            { err: error, workspaceId, messageId: message.messageId },
            'inbox: automatic reply failed'
          )
        }
      }
    })
  } catch (error) {
    logger.error({ err: error, workspaceId: event.workspaceId }, 'inbox: automatic replies failed')
  }
}

/** The away message or the greeting for one message, when one is due. */
async function replyTo(
  message: ReceivedMessage,
  conversation: Conversation,
  context: {
    replies: AutoReply[]
    locales: (string | null | undefined)[]
    schedule: Schedule
    awayTried: Set<string>
  }
) {
  const workspaceId = conversation.workspaceId
  const claimable = () =>
    db.from('conversations').where('workspace_id', workspaceId).where('id', conversation.id)

  const away = pickReply(context.replies, 'away', conversation.channelId, context.locales)
  const key = away ? closedPeriodKeyAt(context.schedule, message.at) : null
  if (away && key) {
    const tried = `${conversation.id}|${key}`
    if (context.awayTried.has(tried)) return
    context.awayTried.add(tried)
    const claimed = affectedRows(
      await claimable()
        .where((query) => {
          query.whereNull('away_sent_period').orWhere('away_sent_period', '<', key)
        })
        .update({
          away_sent_period: key,
          // A knex raw: the query builder's update() passes values as they are.
          greeting_sent_at: db.knexRawQuery('COALESCE(greeting_sent_at, ?)', [
            DateTime.now().toSQL({ includeOffset: false })!,
          ]),
        })
    )
    conversation.greetingSentAt = conversation.greetingSentAt ?? DateTime.now()
    if (claimed) await send(conversation, away, 'away')
    return
  }

  const greeting = pickReply(context.replies, 'greeting', conversation.channelId, context.locales)
  if (!greeting || conversation.greetingSentAt || !message.firstInbound) return
  const claimed = affectedRows(
    await claimable()
      .whereNull('greeting_sent_at')
      .update({ greeting_sent_at: DateTime.now().toSQL({ includeOffset: false })! })
  )
  conversation.greetingSentAt = DateTime.now()
  if (claimed) await send(conversation, greeting, 'greeting')
}
