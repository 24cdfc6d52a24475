import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import { sqlDateTime } from '#core/helpers/sql_time'

export const WAKE_SNOOZED_EVERY_MS = 60_000
const BATCH = 500

/**
 * `inbox.wake_snoozed` (recurring platform job, every minute): snoozed
 * conversations whose time has come are open again. Uses the
 * (status, snoozed_until) index across workspaces, updates each
 * workspace's rows with its workspace_id and emits
 * `inbox:conversation_updated` per workspace. Returns how many woke.
 */
export async function wakeSnoozed(now = DateTime.now()): Promise<number> {
  let woken = 0
  for (;;) {
    const due = await db
      .from('conversations')
      .where('status', 'snoozed')
      .where('snoozed_until', '<=', sqlDateTime(now))
      .orderBy('snoozed_until')
      .limit(BATCH)
      .select('id', 'workspace_id')
    if (!due.length) break
    const byWorkspace = new Map<number, number[]>()
    for (const row of due) {
      const list = byWorkspace.get(Number(row.workspace_id)) ?? []
      list.push(Number(row.id))
      byWorkspace.set(Number(row.workspace_id), list)
    }
    for (const [workspaceId, ids] of byWorkspace) {
      await db
        .from('conversations')
        .where('workspace_id', workspaceId)
        .whereIn('id', ids)
        .where('status', 'snoozed')
        .update({ status: 'open', snoozed_until: null, updated_at: sqlDateTime(DateTime.now()) })
      woken += ids.length
      await emitter.emit('inbox:conversation_updated', {
        workspaceId,
        conversationIds: ids,
        changes: ['status'],
        actorId: null,
      })
    }
    if (due.length < BATCH) break
  }
  return woken
}
