import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import drive from '@adonisjs/drive/services/main'
import { MIN_RETENTION_MONTHS } from '#inbox/validators/business_hours'
import { sqlDateTime } from '#core/helpers/sql_time'

export const RETENTION_PURGE_EVERY_MS = 24 * 60 * 60 * 1000
const CHUNK = 1000

/** A workspace's retention, never under 12 months whatever the column says. */
export function retentionCutoff(retentionMonths: number | null, now = DateTime.now()) {
  const months = Math.max(MIN_RETENTION_MONTHS, Number(retentionMonths) || MIN_RETENTION_MONTHS)
  return now.minus({ months })
}

/**
 * Deletes one workspace's messages stored before `cutoff`, 1,000 at a
 * time (short statements: the inbox keeps writing meanwhile), then its
 * conversations left without messages whose last message is older than
 * the cutoff (their tags, assignment log and scheduled messages go with
 * them by cascade), and those messages' media files.
 * Returns what it deleted.
 */
export async function purgeWorkspace(workspaceId: number, cutoff: DateTime) {
  const before = sqlDateTime(cutoff)
  let messages = 0
  let mediaFiles = 0
  for (;;) {
    const rows: { id: number; media_path: string | null }[] = await db
      .from('messages')
      .where('workspace_id', workspaceId)
      .where('created_at', '<', before)
      .orderBy('created_at')
      .limit(CHUNK)
      .select('id', 'media_path')
    if (!rows.length) break
    await db
      .from('messages')
      .where('workspace_id', workspaceId)
      .whereIn(
        'id',
        rows.map((row) => row.id)
      )
      .delete()
    messages += rows.length
    mediaFiles += await deleteMedia(workspaceId, rows)
    if (rows.length < CHUNK) break
  }
  let conversations = 0
  for (;;) {
    const rows: { id: number }[] = await db
      .from('conversations as c')
      .where('c.workspace_id', workspaceId)
      .where((query) => {
        query
          .where('c.last_message_at', '<', before)
          .orWhere((never) =>
            never.whereNull('c.last_message_at').where('c.created_at', '<', before)
          )
      })
      .whereNotExists((left) => {
        left
          .from('messages as m')
          .select(db.raw('1'))
          .whereColumn('m.workspace_id', 'c.workspace_id')
          .whereColumn('m.conversation_id', 'c.id')
      })
      .limit(CHUNK)
      .select('c.id')
    if (!rows.length) break
    await db
      .from('conversations')
      .where('workspace_id', workspaceId)
      .whereIn(
        'id',
        rows.map((row) => row.id)
      )
      .delete()
    conversations += rows.length
    if (rows.length < CHUNK) break
  }
  return { messages, conversations, mediaFiles }
}

/**
 * The media files of deleted messages (inbound downloads are named after
 * their message, reply attachments are uploaded per reply: a file belongs
 * to one message, as the contact erasure also assumes). A file that
 * cannot be deleted is logged and left. Returns how many went.
 */
async function deleteMedia(workspaceId: number, rows: { media_path: string | null }[]) {
  let deleted = 0
  for (const path of new Set(rows.map((row) => row.media_path).filter(Boolean)) as Set<string>) {
    try {
      await drive.use().delete(path)
      deleted++
    } catch (error) {
      logger.warn({ err: error, workspaceId, path }, 'inbox: retention purge kept a media file')
    }
  }
  return deleted
}

/**
 * `inbox.retention_purge` (platform job, daily): applies every
 * workspace's conversation retention (`workspaces.retention_months`,
 * never under 12). A recurring job (start/jobs.ts), daily. One workspace failing
 * does not stop the others.
 */
export async function retentionPurge() {
  const workspaces: { id: number; retention_months: number | null }[] = await db
    .from('workspaces')
    .select('id', 'retention_months')
    .orderBy('id')
  const now = DateTime.now()
  for (const workspace of workspaces) {
    try {
      const deleted = await purgeWorkspace(
        Number(workspace.id),
        retentionCutoff(workspace.retention_months, now)
      )
      if (deleted.messages || deleted.conversations) {
        logger.info({ workspaceId: workspace.id, ...deleted }, 'inbox: retention purge')
      }
    } catch (error) {
      logger.error({ err: error, workspaceId: workspace.id }, 'inbox: retention purge failed')
    }
  }
}
