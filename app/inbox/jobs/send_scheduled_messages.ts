import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { tenancy } from '#core/tenancy/context'
import { affectedRows } from '#core/helpers/db_errors'
import Notification from '#core/models/notification'
import Conversation from '#inbox/models/conversation'
import ScheduledMessage from '#inbox/models/scheduled_message'
import { sendMessage } from '#inbox/actions/send_message'
import { sqlDateTime } from '#core/helpers/sql_time'

/** The sweep runs every 30 s: a due message goes out within a minute. */
export const SCHEDULED_SWEEP_EVERY_MS = 30_000
/** Rows claimed per sweep (the next sweep takes the rest). */
const SWEEP_BATCH = 200
/** A row left `sending` this long was interrupted (worker died mid-send). */
const STUCK_AFTER_MINUTES = 10

export const SCHEDULED_SWEEP_JOB = 'inbox.scheduled_sweep'

/** Timestamps compared the way Lucid writes them (process zone). */

/**
 * Text of an error kept on the row and in the notification: the
 * exception's stable code when it has one (translated by the UI), else
 * its message.
 */
function describe(error: unknown): string {
  const candidate = error as { code?: unknown; message?: unknown } | null
  if (typeof candidate?.code === 'string' && candidate.code.startsWith('E_')) return candidate.code
  const message = typeof candidate?.message === 'string' ? candidate.message : String(error)
  return message.slice(0, 1000)
}

async function notifyFailure(scheduled: ScheduledMessage, conversation: Conversation | null) {
  if (!scheduled.createdById) return
  let contact = ''
  if (conversation) {
    await conversation.load('contact')
    contact = conversation.contact?.displayName ?? ''
  }
  await Notification.create({
    userId: scheduled.createdById,
    type: 'inbox.scheduled_failed',
    data: {
      conversation: conversation?.publicId ?? '',
      contact,
      scheduled: scheduled.publicId,
      error: scheduled.error ?? '',
      preview: scheduled.body.slice(0, 80),
    },
  })
}

async function markFailed(scheduled: ScheduledMessage, error: string) {
  scheduled.merge({ status: 'failed', error })
  await scheduled.save()
}

/**
 * Sends one claimed row (status `sending`) inside its tenant context:
 * `sendMessage` as the agent who scheduled it. Any failure (the 24-hour
 * window closed, the channel refused…) marks it failed with the error and
 * notifies that agent.
 */
async function deliver(scheduledId: number) {
  const scheduled = await ScheduledMessage.find(scheduledId)
  if (!scheduled || scheduled.status !== 'sending') return
  const conversation = await Conversation.find(scheduled.conversationId)
  try {
    if (!conversation) throw new Error('The conversation no longer exists.')
    const message = await sendMessage({
      conversation,
      content: { type: 'text', text: scheduled.body },
      sentById: scheduled.createdById,
    })
    scheduled.merge({ status: 'sent', messageId: message.id, error: null })
    await scheduled.save()
  } catch (error) {
    await markFailed(scheduled, describe(error))
    await notifyFailure(scheduled, conversation)
  }
}

/**
 * Finds due rows across workspaces (`status = 'scheduled' AND send_at <=
 * now`, index (status, send_at)), claims each with a guarded UPDATE
 * (scheduled → sending: only one worker wins a row, so a message goes out
 * once however many sweeps overlap) and sends it in its workspace's
 * context. Rows stuck in `sending` (a worker died between claim and send)
 * are marked failed rather than resent: at most once. Returns the number
 * of rows this call claimed.
 */
export async function sendDueScheduledMessages(now = DateTime.now()): Promise<number> {
  const stuck = await db
    .from('scheduled_messages')
    .where('status', 'sending')
    .where('updated_at', '<', sqlDateTime(now.minus({ minutes: STUCK_AFTER_MINUTES })))
    .select('id', 'workspace_id')
    .limit(SWEEP_BATCH)
  for (const row of stuck) {
    await tenancy.run(Number(row.workspace_id), async () => {
      const scheduled = await ScheduledMessage.find(Number(row.id))
      if (!scheduled || scheduled.status !== 'sending') return
      await markFailed(scheduled, 'E_SCHEDULED_INTERRUPTED')
      await notifyFailure(scheduled, await Conversation.find(scheduled.conversationId))
    })
  }

  const due = await db
    .from('scheduled_messages')
    .where('status', 'scheduled')
    .where('send_at', '<=', sqlDateTime(now))
    .orderBy('send_at')
    .select('id', 'workspace_id')
    .limit(SWEEP_BATCH)
  let claimed = 0
  for (const row of due) {
    const won = affectedRows(
      await db
        .from('scheduled_messages')
        .where('id', row.id)
        .where('workspace_id', row.workspace_id)
        .where('status', 'scheduled')
        .update({ status: 'sending', updated_at: sqlDateTime(DateTime.now()) })
    )
    if (!won) continue
    claimed++
    try {
      await tenancy.run(Number(row.workspace_id), () => deliver(Number(row.id)))
    } catch (error) {
      // deliver() records failures itself; this is a bug or the database.
      logger.error({ err: error, scheduledMessageId: row.id }, 'scheduled message: send failed')
    }
  }
  return claimed
}
