import { DateTime } from 'luxon'

/**
 * A timestamp as stored in DATETIME/TIMESTAMP columns: UTC, second
 * precision, the format Lucid writes on SQLite and MySQL/MariaDB. Parley
 * stores every time in UTC (Luxon's default zone is set to UTC at boot,
 * providers/app_provider.ts, and mysql2 reads with `timezone: 'Z'`), so raw
 * queries compare like for like whatever the host's TZ.
 */
export function sqlDateTime(at: DateTime = DateTime.utc()): string {
  return at.toUTC().toFormat('yyyy-LL-dd HH:mm:ss')
}

/**
 * A "not before" time as a DATETIME: rounded up to the whole second, so a
 * wait stored at second precision never ends early (a retry due at
 * 12:00:00.400 is written 12:00:01, not 12:00:00).
 */
export function sqlDateTimeNotBefore(at: DateTime): string {
  const utc = at.toUTC()
  return sqlDateTime(utc.millisecond ? utc.startOf('second').plus({ seconds: 1 }) : utc)
}

/**
 * A timestamp read back from a raw query — mysql2 gives a Date, SQLite the
 * stored text (`2026-11-21 22:40:00`, sometimes with milliseconds or a
 * `T`) — as a UTC DateTime; null when empty or unreadable.
 */
export function fromStored(value: unknown): DateTime | null {
  if (value === null || value === undefined || value === '') return null
  if (value instanceof Date) return DateTime.fromJSDate(value, { zone: 'utc' })
  if (DateTime.isDateTime(value)) return value.toUTC()
  const text = String(value)
  const parsed = DateTime.fromSQL(text, { zone: 'utc' })
  const result = parsed.isValid ? parsed : DateTime.fromISO(text, { zone: 'utc' })
  return result.isValid ? result : null
}

/** A raw stored timestamp as ISO 8601 UTC (JSON, CSV), or null. */
export function storedIso(value: unknown): string | null {
  return fromStored(value)?.toISO() ?? null
}
