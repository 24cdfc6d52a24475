import db from '@adonisjs/lucid/services/db'
import Membership from '#core/models/membership'
import Team from '#inbox/models/team'
import { inboxFieldError } from '#inbox/validators/field_error'

/**
 * Agents are named publicly by their membership's public id (as on the
 * members page and in the inbox's `assignee` refs); teams by their own.
 */

/** The user id of a membership public id of this workspace, or a field error. */
export async function userIdOfMember(publicId: string, field: string): Promise<number> {
  const membership = await Membership.query().where('public_id', publicId).first()
  if (!membership) inboxFieldError(field, 'routing.errors.member_not_found')
  return membership.userId
}

export async function teamIdOf(publicId: string, field: string): Promise<number> {
  const team = await Team.query().where('public_id', publicId).first()
  if (!team) inboxFieldError(field, 'routing.errors.team_not_found')
  return team.id
}

/** Membership public id and name of each user id. */
export async function memberRefs(workspaceId: number, userIds: (number | null)[]) {
  const ids = [...new Set(userIds.filter((id): id is number => id !== null).map(Number))]
  if (!ids.length) return new Map<number, { id: string; name: string }>()
  const rows = await db
    .from('memberships')
    .join('users', 'users.id', 'memberships.user_id')
    .where('memberships.workspace_id', workspaceId)
    .whereIn('memberships.user_id', ids)
    .select('memberships.user_id', 'memberships.public_id', 'users.full_name')
  return new Map(
    rows.map((row) => [Number(row.user_id), { id: row.public_id, name: row.full_name }])
  )
}

/** Users who left keep a name in logs (no membership any more). */
export async function userNames(userIds: (number | null)[]) {
  const ids = [...new Set(userIds.filter((id): id is number => id !== null).map(Number))]
  if (!ids.length) return new Map<number, string>()
  const rows = await db.from('users').whereIn('id', ids).select('id', 'full_name')
  return new Map(rows.map((row) => [Number(row.id), String(row.full_name)]))
}

export async function teamRefs(workspaceId: number, teamIds: (number | null)[]) {
  const ids = [...new Set(teamIds.filter((id): id is number => id !== null).map(Number))]
  if (!ids.length) return new Map<number, { id: string; name: string }>()
  const rows = await db
    .from('teams')
    .where('workspace_id', workspaceId)
    .whereIn('id', ids)
    .select('id', 'public_id', 'name')
  return new Map(rows.map((row) => [Number(row.id), { id: row.public_id, name: row.name }]))
}
