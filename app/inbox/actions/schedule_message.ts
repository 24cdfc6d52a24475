import { DateTime } from 'luxon'
import type Conversation from '#inbox/models/conversation'
import { affectedRows } from '#core/helpers/db_errors'
import ScheduledMessage from '#inbox/models/scheduled_message'
import { resolveZone, type ZoneChoice } from '#inbox/services/timezones'
import { inboxFieldError } from '#inbox/validators/field_error'
import { ScheduledMessageLockedException } from '#inbox/exceptions/scheduled_message_locked_exception'
import { sqlDateTime } from '#core/helpers/sql_time'

/** How far ahead a message can be scheduled. */
export const MAX_SCHEDULE_DAYS = 30

export type ScheduleInput = {
  body: string
  /** Local date and time, `YYYY-MM-DDTHH:mm`, read in the chosen zone. */
  sendAt: string
  timezone: ZoneChoice
  /** The agent's zone as the browser reports it (used for `agent`). */
  browserTimezone?: string | null
}

/**
 * Turns the agent's local time into an instant and checks it: a valid
 * time, not in the past (the current minute is accepted and sent at the
 * next sweep), at most 30 days ahead.
 */
async function instantOf(
  input: ScheduleInput,
  conversation: Conversation,
  workspaceZone: string,
  now = DateTime.now()
) {
  const zone = await resolveZone({
    choice: input.timezone,
    browserZone: input.browserTimezone,
    contactId: conversation.contactId,
    workspaceZone,
  })
  if (!zone) inboxFieldError('timezone', 'scheduled.errors.timezone_invalid')
  const local = DateTime.fromFormat(input.sendAt, "yyyy-LL-dd'T'HH:mm", { zone })
  if (!local.isValid) inboxFieldError('sendAt', 'scheduled.errors.send_at_invalid')
  if (local < now.startOf('minute')) inboxFieldError('sendAt', 'scheduled.errors.send_at_past')
  if (local > now.plus({ days: MAX_SCHEDULE_DAYS })) {
    inboxFieldError('sendAt', 'scheduled.errors.send_at_too_far', { days: MAX_SCHEDULE_DAYS })
  }
  return { sendAt: local.toUTC(), zone }
}

export async function scheduleMessage(
  conversation: Conversation,
  input: ScheduleInput,
  context: { actorId: number; workspaceZone: string }
) {
  const { sendAt, zone } = await instantOf(input, conversation, context.workspaceZone)
  return ScheduledMessage.create({
    conversationId: conversation.id,
    createdById: context.actorId,
    body: input.body,
    sendAt,
    timezone: zone,
    status: 'scheduled',
  })
}

/**
 * Edits the text and/or time of a message that is still waiting. A row the
 * sweep has claimed (or sent, failed, cancelled) is refused with
 * E_SCHEDULED_MESSAGE_LOCKED. The guarded UPDATE makes the check atomic.
 */
export async function updateScheduledMessage(
  scheduled: ScheduledMessage,
  conversation: Conversation,
  input: Partial<ScheduleInput>,
  workspaceZone: string
) {
  if (scheduled.status !== 'scheduled') throw new ScheduledMessageLockedException()
  const changes: { body?: string; sendAt?: DateTime; timezone?: string } = {}
  if (input.body !== undefined) changes.body = input.body
  if (input.sendAt !== undefined) {
    const { sendAt, zone } = await instantOf(
      {
        body: changes.body ?? scheduled.body,
        sendAt: input.sendAt,
        timezone: input.timezone ?? scheduled.timezone,
        browserTimezone: input.browserTimezone,
      },
      conversation,
      workspaceZone
    )
    changes.sendAt = sendAt
    changes.timezone = zone
  }
  const updated = await ScheduledMessage.query()
    .where('id', scheduled.id)
    .where('status', 'scheduled')
    .update({
      ...(changes.body !== undefined ? { body: changes.body } : {}),
      ...(changes.sendAt
        ? { send_at: sqlDateTime(changes.sendAt), timezone: changes.timezone }
        : {}),
      updated_at: sqlDateTime(DateTime.now()),
    })
  if (!affectedRows(updated)) throw new ScheduledMessageLockedException()
  await scheduled.refresh()
  return scheduled
}

/** Cancels a waiting message (status cancelled); refused once claimed. */
export async function cancelScheduledMessage(scheduled: ScheduledMessage) {
  const updated = await ScheduledMessage.query()
    .where('id', scheduled.id)
    .where('status', 'scheduled')
    .update({ status: 'cancelled', updated_at: sqlDateTime(DateTime.now()) })
  if (!affectedRows(updated)) throw new ScheduledMessageLockedException()
  await scheduled.refresh()
  return scheduled
}
