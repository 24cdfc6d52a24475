import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import BusinessHour from '#inbox/models/business_hour'
import Holiday from '#inbox/models/holiday'
import { tenancy } from '#core/tenancy/context'

/**
 * Business hours (docs/inbox.md, "Business hours and away messages").
 *
 * - Hours are weekly intervals `HH:MM`–`HH:MM` (0 = Sunday … 6 = Saturday)
 *   in the workspace's timezone; several per day; `24:00` closes at
 *   midnight. Overnight intervals are split at midnight by whoever saves
 *   them (22:00–24:00 then 00:00–02:00 the next day): the two halves touch
 *   and count as one opening.
 * - A channel with hours of its own uses only those; otherwise the
 *   workspace's. No hours at all: open around the clock.
 * - Holidays close the whole day; a channel's holidays add to the
 *   workspace's.
 */

export type Interval = { weekday: number; opensAt: string; closesAt: string }

export type Schedule = {
  zone: string
  /** The effective weekly intervals; empty means open around the clock. */
  intervals: Interval[]
  /** Closed dates, `YYYY-MM-DD` in `zone`. */
  holidays: Set<string>
}

/** How far back the start of a closed period is looked for. */
const LOOKBACK_DAYS = 400

/**
 * The key of a closed period that began more than LOOKBACK_DAYS ago (or
 * that never began: no opening at all). It sorts before every ISO key.
 */
export const LONG_CLOSED_KEY = '0000-closed'

export const TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/

/** Minutes since midnight of a `HH:MM` (24:00 is 1440). */
export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number)
  return hours * 60 + minutes
}

/** Sunday = 0 … Saturday = 6, as stored (Luxon counts Monday = 1 … Sunday = 7). */
export function weekdayOf(day: DateTime): number {
  return day.weekday % 7
}

/**
 * The schedule of one channel (or of the workspace when `channelId` is
 * null): 3 small queries, scoped to `workspaceId`.
 */
export async function scheduleFor(
  workspaceId: number,
  channelId: number | null
): Promise<Schedule> {
  const workspace = await db
    .from('workspaces')
    .where('id', workspaceId)
    .select('timezone')
    .firstOrFail()
  return tenancy.run(workspaceId, async () => {
    const rows = await BusinessHour.query()
      .where((query) => {
        query.whereNull('channel_id')
        if (channelId !== null) query.orWhere('channel_id', channelId)
      })
      .orderBy('weekday')
      .orderBy('opens_at')
    const own = channelId === null ? [] : rows.filter((row) => row.channelId === channelId)
    const effective = own.length ? own : rows.filter((row) => row.channelId === null)
    const holidays = await Holiday.query()
      .where((query) => {
        query.whereNull('channel_id')
        if (channelId !== null) query.orWhere('channel_id', channelId)
      })
      .select('date')
    return {
      zone: workspace.timezone || 'UTC',
      intervals: effective.map((row) => ({
        weekday: Number(row.weekday),
        opensAt: row.opensAt,
        closesAt: row.closesAt,
      })),
      holidays: new Set(holidays.map((holiday) => holiday.date)),
    }
  })
}

const ALL_DAY: Interval[] = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
  weekday,
  opensAt: '00:00',
  closesAt: '24:00',
}))

function at(day: DateTime, time: string): DateTime {
  const minutes = minutesOf(time)
  if (minutes >= 1440) return day.plus({ days: 1 })
  return day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 })
}

/** The open intervals of one local day, as instants, in order. */
function openingsOn(schedule: Schedule, day: DateTime): { start: DateTime; end: DateTime }[] {
  if (schedule.holidays.has(day.toISODate()!)) return []
  const weekday = weekdayOf(day)
  const intervals = schedule.intervals.length ? schedule.intervals : ALL_DAY
  return intervals
    .filter((interval) => interval.weekday === weekday)
    .map((interval) => ({ start: at(day, interval.opensAt), end: at(day, interval.closesAt) }))
    .filter((opening) => opening.end > opening.start)
    .sort((a, b) => a.start.toMillis() - b.start.toMillis())
}

export function isOpenAt(schedule: Schedule, when: DateTime): boolean {
  const local = when.setZone(schedule.zone)
  return openingsOn(schedule, local.startOf('day')).some(
    (opening) => opening.start <= local && local < opening.end
  )
}

/**
 * Null while open. While closed: the instant the current closed period
 * began (the last closing before `when`), as an ISO string in UTC; two
 * moments of the same closed period (evening, weekend, holiday after it)
 * share it, and a later period's key sorts after an earlier one's.
 */
export function closedPeriodKeyAt(schedule: Schedule, when: DateTime): string | null {
  if (isOpenAt(schedule, when)) return null
  const local = when.setZone(schedule.zone)
  let day = local.startOf('day')
  for (let index = 0; index <= LOOKBACK_DAYS; index++) {
    // Without overnight intervals, a later day's closings are never earlier
    // than an earlier day's: the first day with one before `when` has the last.
    const ends = openingsOn(schedule, day)
      .map((opening) => opening.end)
      .filter((end) => end <= local)
    if (ends.length) {
      const last = DateTime.max(...ends)!
      return last.toUTC().toISO()!
    }
    day = day.minus({ days: 1 })
  }
  return LONG_CLOSED_KEY
}

/** The next opening after `when` (within a year), or null. */
export function nextOpeningAt(schedule: Schedule, when: DateTime): DateTime | null {
  const local = when.setZone(schedule.zone)
  let day = local.startOf('day')
  for (let index = 0; index <= 366; index++) {
    const start = openingsOn(schedule, day).find((opening) => opening.start > local)?.start
    if (start) return start
    day = day.plus({ days: 1 })
  }
  return null
}

export async function isOpen(
  workspaceId: number,
  channelId: number | null,
  when: DateTime = DateTime.now()
): Promise<boolean> {
  return isOpenAt(await scheduleFor(workspaceId, channelId), when)
}

/**
 * The stable key of the closed period `when` falls in, or null when the
 * channel is open then: "once per conversation per closed period" is
 * "once per key".
 */
export async function closedPeriodKey(
  workspaceId: number,
  channelId: number | null,
  when: DateTime = DateTime.now()
): Promise<string | null> {
  return closedPeriodKeyAt(await scheduleFor(workspaceId, channelId), when)
}
