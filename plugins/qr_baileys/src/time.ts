import { DateTime } from 'luxon'

/**
 * A timestamp column as read back from the database: SQLite returns the
 * stored text ('yyyy-MM-dd HH:mm:ss', UTC here), mysql2 returns a Date.
 * Returns null for empty or unreadable values.
 */
export function readTimestamp(value: unknown): DateTime | null {
  if (value === null || value === undefined || value === '') return null
  const at =
    value instanceof Date
      ? DateTime.fromJSDate(value, { zone: 'utc' })
      : typeof value === 'number'
        ? DateTime.fromMillis(value, { zone: 'utc' })
        : DateTime.fromSQL(String(value), { zone: 'utc' })
  return at.isValid ? at : null
}
