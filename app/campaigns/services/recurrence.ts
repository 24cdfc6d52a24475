import { DateTime } from 'luxon'
import type { Recurrence } from '#campaigns/types'

/**
 * Occurrences of a recurring campaign: the k-th occurrence is the anchor
 * (the first send time) plus k × interval days, weeks or months, computed
 * on the wall clock of the campaign's timezone (so 09:00 stays 09:00
 * across daylight saving changes) and always from the anchor (so the 31st
 * of a month becomes the 30th in short months without drifting).
 * `until` is a date (inclusive, in the campaign's timezone).
 */

const UNIT = { daily: 'days', weekly: 'weeks', monthly: 'months' } as const

export function occurrence(anchor: DateTime, recurrence: Recurrence, k: number, zone: string) {
  const local = anchor.setZone(zone)
  const step = Math.max(1, Math.floor(recurrence.interval || 1)) * k
  return local.plus({ [UNIT[recurrence.freq]]: step }).toUTC()
}

function endOf(recurrence: Recurrence, zone: string): DateTime | null {
  if (!recurrence.until) return null
  const until = DateTime.fromISO(recurrence.until, { zone })
  return until.isValid ? until.endOf('day').toUTC() : null
}

/**
 * The first occurrence strictly after `after` (or at/after it when
 * `inclusive`), or null once past `until`.
 */
export function nextOccurrence(
  anchor: DateTime,
  recurrence: Recurrence,
  after: DateTime,
  zone: string,
  inclusive = false
): DateTime | null {
  const end = endOf(recurrence, zone)
  for (let k = 0; k < 100_000; k++) {
    const at = occurrence(anchor, recurrence, k, zone)
    if (end && at > end) return null
    if (inclusive ? at >= after : at > after) return at
  }
  return null
}

/** Occurrences inside [from, to), for the calendar (at most `limit`). */
export function occurrencesBetween(
  anchor: DateTime,
  recurrence: Recurrence,
  from: DateTime,
  to: DateTime,
  zone: string,
  limit = 62
): DateTime[] {
  const end = endOf(recurrence, zone)
  const result: DateTime[] = []
  for (let k = 0; k < 100_000 && result.length < limit; k++) {
    const at = occurrence(anchor, recurrence, k, zone)
    if ((end && at > end) || at >= to) break
    if (at >= from) result.push(at)
  }
  return result
}

/**
 * When a contact in `contactZone` should receive a local-time send: the
 * wall-clock time of `sendAt` (in the campaign's zone) on the same date in
 * the contact's zone. Null when that moment has passed (send now).
 */
export function localDueAt(
  sendAt: DateTime,
  campaignZone: string,
  contactZone: string | null,
  fallbackZone: string,
  now: DateTime
): DateTime | null {
  const wall = sendAt.setZone(campaignZone)
  let zone = contactZone || fallbackZone
  if (!DateTime.local().setZone(zone).isValid) zone = fallbackZone
  const due = DateTime.fromObject(
    {
      year: wall.year,
      month: wall.month,
      day: wall.day,
      hour: wall.hour,
      minute: wall.minute,
    },
    { zone }
  ).toUTC()
  if (!due.isValid || due <= now) return null
  return due
}

/** Earliest and latest UTC offsets: a local-time send starts this early. */
export const LOCAL_TIME_LEAD_HOURS = 14
