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
