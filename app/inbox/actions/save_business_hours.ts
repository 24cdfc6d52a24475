import { DateTime, IANAZone } from 'luxon'
import { HttpContext } from '@adonisjs/core/http'
import i18nManager from '@adonisjs/i18n/services/main'
import db from '@adonisjs/lucid/services/db'
import { errors } from '@vinejs/vine'
import type { Infer } from '@vinejs/vine/types'
import type { LucidModel, ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import type Channel from '#channels/models/channel'
import type Workspace from '#core/models/workspace'
import BusinessHour from '#inbox/models/business_hour'
import Holiday from '#inbox/models/holiday'
import AutoReply from '#inbox/models/auto_reply'
import { TIME_PATTERN, minutesOf } from '#inbox/services/business_hours'
import {
  MAX_AUTO_AWAY_MINUTES,
  MAX_RETENTION_MONTHS,
  MIN_RETENTION_MONTHS,
  type businessHoursValidator,
  type conversationSettingsValidator,
} from '#inbox/validators/business_hours'
import { audit } from '#core/services/audit'
import { tenancy } from '#core/tenancy/context'

export type BusinessHoursInput = Infer<typeof businessHoursValidator>
export type ConversationSettingsInput = Infer<typeof conversationSettingsValidator>

type FieldError = { field: string; message: string; rule: string }

/** Collects errors (messages `hours.errors.<key>`) and throws them all at once. */
class Errors {
  list: FieldError[] = []
  #i18n = HttpContext.get()?.i18n ?? i18nManager.locale(i18nManager.defaultLocale)

  add(field: string, key: string, params: Record<string, unknown> = {}) {
    if (this.list.some((error) => error.field === field)) return
    this.list.push({ field, rule: key, message: this.#i18n.t(`hours.errors.${key}`, params) })
  }

  throwIfAny() {
    if (this.list.length) throw new errors.E_VALIDATION_ERROR(this.list)
  }
}

const ALL_DAY_WEEK = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
  weekday,
  opensAt: '00:00',
  closesAt: '24:00',
}))

/**
 * Checks one scope's weekly intervals and returns the rows to store:
 * times `HH:MM` (`24:00` only as a closing), closing after opening (an
 * overnight opening is entered as two intervals split at midnight), no
 * overlap within a day (touching intervals are fine).
 */
function intervalsOf(input: BusinessHoursInput, problems: Errors) {
  const rows: { weekday: number; opensAt: string; closesAt: string }[] = []
  input.days.forEach((day, dayIndex) => {
    const valid: { index: number; opens: number; closes: number }[] = []
    day.intervals.forEach((interval, index) => {
      const field = `days.${dayIndex}.intervals.${index}`
      const opensOk = TIME_PATTERN.test(interval.opensAt) && interval.opensAt !== '24:00'
      const closesOk = TIME_PATTERN.test(interval.closesAt)
      if (!opensOk) problems.add(`${field}.opensAt`, 'time_format')
      if (!closesOk) problems.add(`${field}.closesAt`, 'time_format')
      if (!opensOk || !closesOk) return
      const opens = minutesOf(interval.opensAt)
      const closes = minutesOf(interval.closesAt)
      if (closes <= opens) {
        problems.add(`${field}.closesAt`, 'closes_after_opens')
        return
      }
      valid.push({ index, opens, closes })
      rows.push({ weekday: day.weekday, opensAt: interval.opensAt, closesAt: interval.closesAt })
    })
    valid.sort((a, b) => a.opens - b.opens)
    for (let index = 1; index < valid.length; index++) {
      if (valid[index].opens < valid[index - 1].closes) {
        const later = valid[index]
        problems.add(`days.${dayIndex}.intervals.${later.index}.opensAt`, 'overlap')
      }
    }
  })
  return rows
}

function holidaysOf(input: BusinessHoursInput, problems: Errors) {
  const seen = new Set<string>()
  return input.holidays.map((holiday, index) => {
    const valid = /^\d{4}-\d{2}-\d{2}$/.test(holiday.date) && DateTime.fromISO(holiday.date).isValid
    if (!valid) problems.add(`holidays.${index}.date`, 'date_format')
    else if (seen.has(holiday.date)) problems.add(`holidays.${index}.date`, 'holiday_duplicate')
    seen.add(holiday.date)
    return { date: holiday.date, name: holiday.name }
  })
}

function repliesOf(input: BusinessHoursInput, problems: Errors) {
  const seen = new Set<string>()
  const rows: { kind: 'away' | 'greeting'; locale: string; body: string; enabled: boolean }[] = []
  input.replies.forEach((reply, index) => {
    const key = `${reply.kind}:${reply.locale}`
    if (seen.has(key)) problems.add(`replies.${index}.locale`, 'reply_duplicate')
    seen.add(key)
    const body = reply.body ?? ''
    if (reply.enabled && !body) problems.add(`replies.${index}.body`, 'body_required')
    if (body) rows.push({ kind: reply.kind, locale: reply.locale, body, enabled: reply.enabled })
  })
  return rows
}

/**
 * Replaces the business hours, holidays and away/greeting messages of one
 * scope: the workspace (`channel` null) or one channel.
 *
 * Modes: `always_open` stores no rows for the workspace (no rows = open
 * around the clock) and seven 00:00–24:00 rows for a channel (a channel
 * without rows uses the workspace's hours: `inherit`, channels only);
 * `scheduled` needs at least one interval.
 */
export async function saveBusinessHours(
  input: BusinessHoursInput,
  channel: Channel | null,
  actorId: number | null
) {
  const problems = new Errors()
  if (input.mode === 'inherit' && !channel) problems.add('mode', 'inherit_workspace')
  const scheduled = intervalsOf(input, problems)
  if (input.mode === 'scheduled' && !scheduled.length && !problems.list.length) {
    problems.add('mode', 'no_intervals')
  }
  const holidays = holidaysOf(input, problems)
  const replies = repliesOf(input, problems)
  problems.throwIfAny()

  const hours =
    input.mode === 'scheduled'
      ? scheduled
      : input.mode === 'always_open' && channel
        ? ALL_DAY_WEEK
        : []
  const channelId = channel?.id ?? null
  const workspaceId = tenancy.workspaceId()
  await db.transaction(async (trx) => {
    const scope = (query: ModelQueryBuilderContract<LucidModel>) =>
      channelId === null ? query.whereNull('channel_id') : query.where('channel_id', channelId)
    await scope(BusinessHour.query({ client: trx })).delete()
    await scope(Holiday.query({ client: trx })).delete()
    await scope(AutoReply.query({ client: trx })).delete()
    if (hours.length) {
      await BusinessHour.createMany(
        hours.map((row) => ({ ...row, channelId })),
        { client: trx }
      )
    }
    if (holidays.length) {
      await Holiday.createMany(
        holidays.map((row) => ({ ...row, channelId })),
        { client: trx }
      )
    }
    if (replies.length) {
      await AutoReply.createMany(
        replies.map((row) => ({ ...row, channelId })),
        { client: trx }
      )
    }
  })
  await audit({
    action: 'hours.updated',
    workspaceId,
    actorId,
    target: channel ? { type: 'channel', id: channel.publicId } : null,
    after: {
      mode: input.mode,
      intervals: hours.length,
      holidays: holidays.length,
      replies: replies.map(
        (reply) => `${reply.kind}:${reply.locale}:${reply.enabled ? 'on' : 'off'}`
      ),
    },
  })
}

/**
 * Timezone (a valid IANA zone), retention (months, never under 12) and
 * auto-away minutes (0 = never) of the workspace.
 */
export async function saveConversationSettings(
  workspace: Workspace,
  input: ConversationSettingsInput,
  actorId: number | null
) {
  const problems = new Errors()
  if (!IANAZone.isValidZone(input.timezone)) problems.add('timezone', 'timezone')
  if (input.retentionMonths < MIN_RETENTION_MONTHS) {
    problems.add('retentionMonths', 'retention_min', { min: MIN_RETENTION_MONTHS })
  } else if (input.retentionMonths > MAX_RETENTION_MONTHS) {
    problems.add('retentionMonths', 'retention_max', { max: MAX_RETENTION_MONTHS })
  }
  if (input.autoAwayMinutes < 0 || input.autoAwayMinutes > MAX_AUTO_AWAY_MINUTES) {
    problems.add('autoAwayMinutes', 'auto_away_range', { max: MAX_AUTO_AWAY_MINUTES })
  }
  problems.throwIfAny()
  const before = {
    timezone: workspace.timezone,
    retentionMonths: workspace.retentionMonths,
    autoAwayMinutes: workspace.autoAwayMinutes,
  }
  workspace.merge({
    timezone: input.timezone,
    retentionMonths: input.retentionMonths,
    autoAwayMinutes: input.autoAwayMinutes,
  })
  await workspace.save()
  await audit({
    action: 'workspace.conversation_settings_updated',
    workspaceId: workspace.id,
    actorId,
    before,
    after: {
      timezone: workspace.timezone,
      retentionMonths: workspace.retentionMonths,
      autoAwayMinutes: workspace.autoAwayMinutes,
    },
  })
}
