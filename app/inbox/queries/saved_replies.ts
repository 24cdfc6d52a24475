import db from '@adonisjs/lucid/services/db'
import SavedReply from '#inbox/models/saved_reply'
import { tenancy } from '#core/tenancy/context'
import { teamIdsOf } from '#inbox/queries/inbox_scope'

/** Ids of the teams `userId` belongs to in the current workspace. */
export function myTeamIds(userId: number): Promise<number[]> {
  return teamIdsOf(tenancy.workspaceId(), userId)
}

/** Teams of the current workspace, for the visibility picker. */
export async function workspaceTeams(): Promise<{ id: number; publicId: string; name: string }[]> {
  const rows = await db
    .from('teams')
    .where('workspace_id', tenancy.workspaceId())
    .orderBy('name')
    .select('id', 'public_id', 'name')
  return rows.map((row) => ({ id: Number(row.id), publicId: row.public_id, name: row.name }))
}

/**
 * The saved replies a user may see: their own personal ones, those of the
 * teams they belong to (`teams`, from myTeamIds), and the workspace-wide
 * ones. Returns the query (not awaited).
 */
export function visibleReplies(userId: number, teams: number[]) {
  return SavedReply.query().where((scope) => {
    scope.where('owner_id', userId).orWhere((shared) => {
      shared.whereNull('owner_id').whereNull('team_id')
    })
    if (teams.length) {
      scope.orWhere((team) => team.whereNull('owner_id').whereIn('team_id', teams))
    }
  })
}

export async function isVisibleTo(reply: SavedReply, userId: number) {
  if (reply.ownerId !== null) return reply.ownerId === userId
  if (reply.teamId !== null) return (await myTeamIds(userId)).includes(reply.teamId)
  return true
}

/**
 * How well `query` matches `text` (both lower case): 3 prefix, 2
 * substring, 1 subsequence (the letters in order, gaps allowed), 0 none.
 */
export function matchLevel(text: string, query: string): number {
  if (!query) return 1
  if (text.startsWith(query)) return 3
  if (text.includes(query)) return 2
  let at = 0
  for (const char of text) {
    if (char === query[at]) at++
    if (at === query.length) return 1
  }
  return 0
}

/**
 * Score of a reply for `query`: the better of its shortcut and title
 * matches, a shortcut match weighing a little more than the same level
 * on the title. 0 means no match.
 */
export function replyScore(reply: { shortcut: string; title: string }, query: string): number {
  const q = query.toLowerCase()
  const shortcut = matchLevel(reply.shortcut.toLowerCase(), q)
  const title = matchLevel(reply.title.toLowerCase(), q)
  return Math.max(shortcut ? shortcut * 2 + 1 : 0, title ? title * 2 : 0)
}

export const SEARCH_LIMIT = 10

/**
 * Up to 10 replies visible to `userId` matching `query`, best first: by
 * score, then usage count (most used first), then shortcut.
 */
export async function searchReplies(userId: number, query: string): Promise<SavedReply[]> {
  const replies = await visibleReplies(userId, await myTeamIds(userId))
    .orderBy('usage_count', 'desc')
    .limit(2000)
  return replies
    .map((reply) => ({ reply, score: replyScore(reply, query.trim()) }))
    .filter((entry) => entry.score > 0)
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.reply.usageCount - a.reply.usageCount ||
        a.reply.shortcut.localeCompare(b.reply.shortcut)
    )
    .slice(0, SEARCH_LIMIT)
    .map((entry) => entry.reply)
}
