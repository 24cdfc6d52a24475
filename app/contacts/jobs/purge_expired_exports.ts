import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { deleteFile } from '#contacts/services/export_files'
import { sqlDateTime } from '#core/helpers/sql_time'

export const PURGE_EXPORTS_EVERY_MS = 60 * 60 * 1000
const CHUNK = 200

/**
 * The recurring `contacts.purge_exports` platform job: deletes the files
 * of expired exports (every workspace) and forgets their path; the export
 * rows stay as history ("expired" on the exports page). Returns how many
 * files it removed.
 */
export async function purgeExpiredExports(now = DateTime.utc()): Promise<number> {
  let removed = 0
  let afterId = 0
  for (;;) {
    // Platform job across workspaces: each row is handled by its own id.
    const rows: { id: number; file_path: string }[] = await db
      .from('contact_exports')
      .whereNotNull('file_path')
      .where('expires_at', '<=', sqlDateTime(now))
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(CHUNK)
      .select('id', 'file_path')
    if (!rows.length) break
    for (const row of rows) {
      try {
        await deleteFile(row.file_path)
        await db.from('contact_exports').where('id', row.id).update({ file_path: null })
        removed++
      } catch (error) {
        logger.warn({ err: error, exportId: row.id }, 'contacts: expired export file not deleted')
      }
    }
    afterId = Number(rows[rows.length - 1].id)
    if (rows.length < CHUNK) break
  }
  return removed
}
