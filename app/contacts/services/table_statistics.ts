import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'

/**
 * Refreshes the query planner's statistics on the tables segments read.
 *
 * MariaDB keeps no column histograms until `ANALYZE TABLE … PERSISTENT
 * FOR ALL` collects them; without them it drives a segment count on 1M
 * contacts from a poor secondary index (1.9 s) instead of scanning
 * (0.3 s) — `npm run bench:contacts`. MySQL and SQLite get a plain
 * ANALYZE. Platform-wide (statistics are per table, not per tenant).
 *
 * Runs weekly (start/jobs.ts) and after an import that created at least
 * `BULK_IMPORT_ROWS` contacts.
 */
export const STATISTICS_JOB = 'contacts.refresh_statistics'
export const STATISTICS_EVERY_MS = 7 * 24 * 60 * 60 * 1000
export const BULK_IMPORT_ROWS = 10_000

const TABLES = ['contacts', 'contact_field_values', 'contact_tags', 'consent_events']

export async function refreshContactStatistics(): Promise<{ dialect: string; tables: string[] }> {
  const started = performance.now()
  const connection = db.connection()
  const dialect = connection.dialect.name
  if (dialect === 'mysql') {
    const [rows] = await connection.rawQuery('SELECT VERSION() AS version')
    const mariadb = /mariadb/i.test(String(rows[0]?.version ?? ''))
    await connection.rawQuery(
      `ANALYZE TABLE ${TABLES.join(', ')}${mariadb ? ' PERSISTENT FOR ALL' : ''}`
    )
  } else {
    for (const table of TABLES) await connection.rawQuery(`ANALYZE ${table}`)
  }
  logger.info(
    { dialect, tables: TABLES, ms: Math.round(performance.now() - started) },
    'contacts: planner statistics refreshed'
  )
  return { dialect, tables: TABLES }
}
