import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import AgentProfile, { type Availability } from '#inbox/models/agent_profile'
import { tenancy } from '#core/tenancy/context'
import { isUniqueViolation } from '#core/helpers/db_errors'

/** Conversation statuses that count against an agent's limit. */
export const LOAD_STATUSES = ['open', 'pending'] as const

/**
 * The user ids among `userIds` (all members when omitted) whose role in
 * the workspace grants `inbox.view`: the people who can be assigned.
 */
export async function assignableUserIds(
  workspaceId: number,
  userIds?: number[],
  client: QueryClientContract = db.connection()
): Promise<number[]> {
  const query = client
    .from('memberships')
    .join('role_permissions', (join) => {
      join
        .on('role_permissions.workspace_id', 'memberships.workspace_id')
        .andOn('role_permissions.role_id', 'memberships.role_id')
    })
    .where('memberships.workspace_id', workspaceId)
    .where('role_permissions.permission', 'inbox.view')
    .select('memberships.user_id')
  if (userIds) query.whereIn('memberships.user_id', userIds)
  const rows: { user_id: number }[] = await query
  return rows.map((row) => Number(row.user_id))
}

export async function isAssignable(
  workspaceId: number,
  userId: number,
  client?: QueryClientContract
) {
  return (await assignableUserIds(workspaceId, [userId], client)).length > 0
}

/**
 * The member's agent profile, created on first use (offline, no limit).
 * Safe when two requests create it at once. Runs in the workspace's
 * tenant context.
 */
export async function ensureAgentProfile(workspaceId: number, userId: number) {
  return tenancy.run(workspaceId, async () => {
    const existing = await AgentProfile.findBy('user_id', userId)
    if (existing) return existing
    try {
      return await AgentProfile.create({
        userId,
        availability: 'offline',
        skills: [],
        isSenior: false,
        notifyDesktop: true,
        notifySound: true,
      })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      return AgentProfile.findByOrFail('user_id', userId)
    }
  })
}

/**
 * The current availability of a member in a workspace (offline when they
 * never set one). For the top bar's availability menu.
 */
export async function currentAvailability(
  workspaceId: number,
  userId: number
): Promise<Availability> {
  const row = await db
    .from('agent_profiles')
    .where('workspace_id', workspaceId)
    .where('user_id', userId)
    .select('availability')
    .first()
  return (row?.availability as Availability | undefined) ?? 'offline'
}

/** Open + pending conversations assigned to each of the given users. */
export async function openLoads(
  workspaceId: number,
  userIds: number[],
  client: QueryClientContract = db.connection()
): Promise<Map<number, number>> {
  const loads = new Map<number, number>(userIds.map((id) => [id, 0]))
  if (!userIds.length) return loads
  const rows: { assignee_id: number; total: number | string }[] = await client
    .from('conversations')
    .where('workspace_id', workspaceId)
    .whereIn('assignee_id', userIds)
    .whereIn('status', [...LOAD_STATUSES])
    .groupBy('assignee_id')
    .select('assignee_id')
    .count('* as total')
  for (const row of rows) loads.set(Number(row.assignee_id), Number(row.total))
  return loads
}

/**
 * A DateTime as Lucid's models write it (text both dialects accept), for
 * query-builder updates, which bypass the model's column preparation.
 */
