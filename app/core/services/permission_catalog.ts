import db from '@adonisjs/lucid/services/db'
import { PERMISSIONS } from '#core/permissions'

let synced = false

/**
 * Writes the permission catalog (app/core/permissions.ts) to the
 * `permissions` table: adds new keys, refreshes descriptions. Cheap after
 * the first call in a process.
 */
export async function syncPermissionCatalog(force = false) {
  if (synced && !force) return
  const existing = new Set<string>(
    (await db.from('permissions').select('key')).map((row: { key: string }) => row.key)
  )
  const missing = Object.entries(PERMISSIONS)
    .filter(([key]) => !existing.has(key))
    .map(([key, description]) => ({ key, description, module: key.split('.')[0] }))
  if (missing.length) await db.table('permissions').multiInsert(missing)
  synced = true
}
