import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { LucidRow } from '@adonisjs/lucid/types/model'
import { sqlDateTime } from '#core/helpers/sql_time'

/** The list's one-line preview of a message: its text, else a type label. */
export function previewOf(type: string, body: string | null | undefined): string {
  const textOf = (body ?? '').replace(/\s+/g, ' ').trim()
  return (textOf || `[${type}]`).slice(0, 255)
}

/** DATETIME text as Lucid writes it (both dialects). */

/**
 * A customer writing within this many days of a resolution reopens that
 * conversation (reopen_count + 1); later, a new conversation starts.
 */
export const REOPEN_RESOLVED_WITHIN_DAYS = 7

export const reopenCutoff = (now = DateTime.now()) =>
  sqlDateTime(now.minus({ days: REOPEN_RESOLVED_WITHIN_DAYS }))

/**
 * Records that an agent handled a conversation (replied or resolved):
 * one row per (conversation, agent), counters bumped in place. The
 * analytics module counts "conversations handled" per agent from it:
 *
 *   SELECT COUNT(*) FROM agent_conversations
 *   WHERE workspace_id = ? AND user_id = ? AND first_handled_at >= ? AND first_handled_at < ?
 */
export async function recordAgentHandled(
  workspaceId: number,
  conversationId: number,
  userId: number,
  kind: 'reply' | 'resolve',
  at: DateTime<boolean> = DateTime.now()
) {
  const now = sqlDateTime(at)
  const column = kind === 'reply' ? 'replies' : 'resolutions'
  await db
    .knexQuery()
    .table('agent_conversations')
    .insert({
      workspace_id: workspaceId,
      conversation_id: conversationId,
      user_id: userId,
      replies: kind === 'reply' ? 1 : 0,
      resolutions: kind === 'resolve' ? 1 : 0,
      first_handled_at: now,
      last_handled_at: now,
    })
    .onConflict(['workspace_id', 'conversation_id', 'user_id'])
    .merge({
      [column]: db.knexRawQuery(`agent_conversations.${column} + 1`),
      last_handled_at: now,
    })
}

/**
 * After a raw UPDATE, tells a loaded model the stored values without
 * marking them dirty (a later save() must not write them again).
 */
export function syncStored(model: LucidRow, values: Record<string, unknown>) {
  for (const [key, value] of Object.entries(values)) {
    ;(model.$attributes as Record<string, unknown>)[key] = value
    ;(model.$original as Record<string, unknown>)[key] = value
  }
}
