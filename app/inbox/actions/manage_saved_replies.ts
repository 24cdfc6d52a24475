import db from '@adonisjs/lucid/services/db'
import SavedReply, { type ReplyVisibility } from '#inbox/models/saved_reply'
import { tenancy } from '#core/tenancy/context'
import { inboxFieldError } from '#inbox/validators/field_error'

export type SavedReplyInput = {
  shortcut: string
  title: string
  body: string
  category?: string
  visibility: ReplyVisibility
  /** Team public id (visibility team). */
  team?: string
}

/** Where a reply lives: its owner for personal ones, its team for team ones. */
async function scopeOf(input: SavedReplyInput, actorId: number) {
  if (input.visibility === 'personal') return { ownerId: actorId, teamId: null }
  if (input.visibility === 'team') {
    const team = input.team
      ? await db
          .from('teams')
          .where('workspace_id', tenancy.workspaceId())
          .where('public_id', input.team)
          .select('id')
          .first()
      : null
    if (!team) inboxFieldError('team', 'replies.errors.team_required')
    return { ownerId: null, teamId: Number(team.id) }
  }
  return { ownerId: null, teamId: null }
}

/**
 * A shortcut is unique within its visibility scope: one owner's personal
 * replies, one team's replies, or the workspace-wide replies.
 */
async function assertShortcutFree(
  shortcut: string,
  scope: { ownerId: number | null; teamId: number | null },
  exceptId?: number
) {
  const query = SavedReply.query().where('shortcut', shortcut)
  if (scope.ownerId !== null) query.where('owner_id', scope.ownerId)
  else query.whereNull('owner_id')
  if (scope.teamId !== null) query.where('team_id', scope.teamId)
  else query.whereNull('team_id')
  if (exceptId !== undefined) query.whereNot('id', exceptId)
  if (await query.first())
    inboxFieldError('shortcut', 'replies.errors.shortcut_taken', { shortcut })
}

function fields(input: SavedReplyInput) {
  return {
    shortcut: input.shortcut,
    title: input.title,
    body: input.body,
    category: input.category?.trim() || null,
  }
}

export async function createSavedReply(input: SavedReplyInput, actorId: number) {
  const scope = await scopeOf(input, actorId)
  await assertShortcutFree(input.shortcut, scope)
  return SavedReply.create({ ...fields(input), ...scope, usageCount: 0 })
}

/**
 * Edits a reply. A personal reply stays its owner's; making it shared (or
 * sharing it elsewhere) is the caller's permission check.
 */
export async function updateSavedReply(reply: SavedReply, input: SavedReplyInput, actorId: number) {
  const ownerId = input.visibility === 'personal' ? (reply.ownerId ?? actorId) : actorId
  const scope = await scopeOf(input, ownerId)
  await assertShortcutFree(input.shortcut, scope, reply.id)
  reply.merge({ ...fields(input), ...scope })
  await reply.save()
  return reply
}

/** Counts one use (the composer inserted it); atomic under concurrency. */
export async function recordReplyUse(reply: SavedReply) {
  await db
    .from('saved_replies')
    .where('workspace_id', tenancy.workspaceId())
    .where('id', reply.id)
    .increment('usage_count', 1)
  await reply.refresh()
  return reply.usageCount
}
