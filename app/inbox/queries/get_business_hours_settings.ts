import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import type Workspace from '#core/models/workspace'
import BusinessHour from '#inbox/models/business_hour'
import Holiday from '#inbox/models/holiday'
import AutoReply, { type AutoReplyKind } from '#inbox/models/auto_reply'
import { KEYWORD_LOCALES } from '#contacts/services/consent_keywords'
import { closedPeriodKeyAt, nextOpeningAt, scheduleFor } from '#inbox/services/business_hours'
import {
  AUTO_REPLY_MAX_LENGTH,
  MAX_AUTO_AWAY_MINUTES,
  MAX_RETENTION_MONTHS,
  MIN_RETENTION_MONTHS,
} from '#inbox/validators/business_hours'

export type HoursMode = 'inherit' | 'always_open' | 'scheduled'

export type HoursDay = { weekday: number; intervals: { opensAt: string; closesAt: string }[] }

export type HoursScopeForm = {
  mode: HoursMode
  /** Seven entries, Sunday (0) to Saturday (6); a day without intervals is closed. */
  days: HoursDay[]
  holidays: { date: string; name: string }[]
  /** One entry per kind and offered language. */
  replies: { kind: AutoReplyKind; locale: string; body: string; enabled: boolean }[]
}

export type BusinessHoursSettingsProps = {
  scope: { kind: 'workspace' } | { kind: 'channel'; id: string; name: string }
  channels: { id: string; name: string; ownHours: boolean }[]
  form: HoursScopeForm
  /** The workspace's weekly hours (what a channel in `inherit` mode uses). */
  workspaceDays: HoursDay[]
  locales: string[]
  /** Now, for this scope: open or closed, and the next opening when closed. */
  status: { open: boolean; nextOpening: string | null }
  general: { timezone: string; retentionMonths: number; autoAwayMinutes: number }
  limits: {
    minRetentionMonths: number
    maxRetentionMonths: number
    maxAutoAwayMinutes: number
    maxBodyLength: number
  }
}

function isAllDayWeek(rows: BusinessHour[]) {
  return (
    rows.length === 7 &&
    new Set(rows.map((row) => Number(row.weekday))).size === 7 &&
    rows.every((row) => row.opensAt === '00:00' && row.closesAt === '24:00')
  )
}

function daysOf(rows: BusinessHour[]): HoursDay[] {
  return [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
    weekday,
    intervals: rows
      .filter((row) => Number(row.weekday) === weekday)
      .sort((a, b) => a.opensAt.localeCompare(b.opensAt))
      .map((row) => ({ opensAt: row.opensAt, closesAt: row.closesAt })),
  }))
}

/**
 * The Settings › Business hours page for one scope (the workspace, or
 * one channel when `channel` is given), in the current workspace.
 */
export async function getBusinessHoursSettings(
  workspace: Workspace,
  channel: Channel | null
): Promise<BusinessHoursSettingsProps> {
  const channelId = channel?.id ?? null
  const [channels, allHours, holidays, replies] = await Promise.all([
    Channel.query().orderBy('name').select('id', 'public_id', 'name'),
    BusinessHour.query().orderBy('weekday').orderBy('opens_at'),
    channelId === null
      ? Holiday.query().whereNull('channel_id').orderBy('date')
      : Holiday.query().where('channel_id', channelId).orderBy('date'),
    channelId === null
      ? AutoReply.query().whereNull('channel_id')
      : AutoReply.query().where('channel_id', channelId),
  ])
  const workspaceRows = allHours.filter((row) => row.channelId === null)
  const ownRows = allHours.filter((row) => row.channelId === channelId)

  let mode: HoursMode
  if (channelId !== null && !ownRows.length) mode = 'inherit'
  else if (!ownRows.length || isAllDayWeek(ownRows)) mode = 'always_open'
  else mode = 'scheduled'

  const withHours = new Set(
    allHours.filter((row) => row.channelId !== null).map((row) => row.channelId)
  )
  const schedule = await scheduleFor(workspace.id, channelId)
  const now = DateTime.now()
  const open = closedPeriodKeyAt(schedule, now) === null

  return {
    scope: channel
      ? { kind: 'channel', id: channel.publicId, name: channel.name }
      : { kind: 'workspace' },
    channels: channels.map((row) => ({
      id: row.publicId,
      name: row.name,
      ownHours: withHours.has(row.id),
    })),
    form: {
      mode,
      days: daysOf(mode === 'scheduled' ? ownRows : channelId !== null ? workspaceRows : []),
      holidays: holidays.map((holiday) => ({ date: holiday.date, name: holiday.name })),
      replies: (['away', 'greeting'] as const).flatMap((kind) =>
        KEYWORD_LOCALES.map((locale) => {
          const saved = replies.find((reply) => reply.kind === kind && reply.locale === locale)
          return { kind, locale, body: saved?.body ?? '', enabled: saved?.enabled ?? false }
        })
      ),
    },
    workspaceDays: daysOf(workspaceRows),
    locales: KEYWORD_LOCALES,
    status: {
      open,
      nextOpening: open ? null : (nextOpeningAt(schedule, now)?.toISO() ?? null),
    },
    general: {
      timezone: workspace.timezone,
      retentionMonths: workspace.retentionMonths,
      autoAwayMinutes: workspace.autoAwayMinutes,
    },
    limits: {
      minRetentionMonths: MIN_RETENTION_MONTHS,
      maxRetentionMonths: MAX_RETENTION_MONTHS,
      maxAutoAwayMinutes: MAX_AUTO_AWAY_MINUTES,
      maxBodyLength: AUTO_REPLY_MAX_LENGTH,
    },
  }
}
