import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import Conversation from '#inbox/models/conversation'
import { type Availability } from '#inbox/models/agent_profile'
import { assignConversation } from '#inbox/actions/assign_conversation'
import { AgentAtCapacityException } from '#inbox/exceptions/assignment_exceptions'
import { ensureAgentProfile, LOAD_STATUSES } from '#inbox/services/agents'
import { drainWaitingQueue, eligibleAgents } from '#inbox/services/routing'
import { tenancy } from '#core/tenancy/context'
import { broadcast } from '#core/realtime'

/**
 * Sets a member's availability. Coming online drains the waiting queue;
 * going away or offline hands their open conversations in teams with
 * "reassign when away" to available teammates (or back to the queue).
 * Busy keeps what the agent has and receives nothing new. `auto`: the idle
 * sweep sets them away (a heartbeat undoes it); any other call is the
 * member's choice, which a heartbeat never changes.
 */
export async function setAvailability(
  workspaceId: number,
  userId: number,
  availability: Availability,
  options: { auto?: boolean } = {}
) {
  return tenancy.run(workspaceId, async () => {
    const profile = await ensureAgentProfile(workspaceId, userId)
    const previous = profile.availability
    const now = DateTime.now()
    profile.availability = availability
    profile.autoAway = availability === 'away' && options.auto === true
    if (previous !== availability) profile.availabilityChangedAt = now
    if (availability === 'online') profile.lastActivityAt = now
    await profile.save()
    if (previous === availability) return profile

    await pushAvailability(workspaceId, userId, availability)
    if (availability === 'online') {
      await drainWaitingQueue(workspaceId)
    } else if (availability === 'away' || availability === 'offline') {
      await reassignAwayConversations(workspaceId, userId)
    }
    return profile
  })
}

async function pushAvailability(workspaceId: number, userId: number, availability: Availability) {
  try {
    const user = await db.from('users').where('id', userId).select('public_id').first()
    if (user) await broadcast(workspaceId, 'agents', { user: user.public_id, availability })
  } catch (error) {
    logger.warn({ err: error, workspaceId }, 'realtime: availability push failed')
  }
}

/**
 * Records activity (the inbox page's heartbeat, sent while the agent
 * works); auto-away compares against it. A member the idle sweep set away
 * is back online (which drains the waiting queue); one who chose away,
 * busy or offline stays so.
 */
export async function recordHeartbeat(workspaceId: number, userId: number) {
  const profile = await ensureAgentProfile(workspaceId, userId)
  if (profile.availability === 'away' && profile.autoAway) {
    return setAvailability(workspaceId, userId, 'online')
  }
  await tenancy.run(workspaceId, async () => {
    profile.lastActivityAt = DateTime.now()
    await profile.save()
  })
  return profile
}

/**
 * The member's open and pending conversations whose team reassigns on
 * away go to the least-loaded available teammate (reason
 * `reassign_away`), or back to the queue when nobody is available.
 * Conversations without a team, or in teams that keep them, stay.
 */
export async function reassignAwayConversations(workspaceId: number, userId: number) {
  return tenancy.run(workspaceId, async () => {
    const teams: { id: number }[] = await db
      .from('teams')
      .where('workspace_id', workspaceId)
      .where('reassign_on_away', true)
      .select('id')
    if (!teams.length) return { reassigned: 0, queued: 0 }
    const conversations = await Conversation.query()
      .where('assignee_id', userId)
      .whereIn('status', [...LOAD_STATUSES])
      .whereIn(
        'team_id',
        teams.map((team) => Number(team.id))
      )
      .orderBy('last_message_at', 'asc')
      .orderBy('id', 'asc')
    let reassigned = 0
    let queued = 0
    for (const conversation of conversations) {
      const agents = (await eligibleAgents(workspaceId, conversation.teamId, userId)).sort(
        (a, b) => a.load - b.load || a.lastAssignedSeq - b.lastAssignedSeq || a.userId - b.userId
      )
      let done = false
      for (const agent of agents) {
        try {
          await assignConversation({
            conversation,
            toUserId: agent.userId,
            actorId: null,
            reason: 'reassign_away',
          })
          done = true
          reassigned++
          break
        } catch (error) {
          if (error instanceof AgentAtCapacityException) continue
          throw error
        }
      }
      if (!done) {
        await assignConversation({
          conversation,
          toUserId: null,
          actorId: null,
          reason: 'reassign_away',
        })
        queued++
      }
    }
    return { reassigned, queued }
  })
}

/**
 * Conversations of a member who left the workspace lose their assignee
 * (reason `member_removed`); open ones wait in the queue for the next
 * available agent.
 */
export async function unassignRemovedMember(workspaceId: number, userId: number) {
  return tenancy.run(workspaceId, async () => {
    const conversations = await Conversation.query()
      .where('assignee_id', userId)
      .orderBy('id', 'asc')
    for (const conversation of conversations) {
      await assignConversation({
        conversation,
        toUserId: null,
        actorId: null,
        reason: 'member_removed',
      })
    }
    if (conversations.length) await drainWaitingQueue(workspaceId)
    return conversations.length
  })
}

export const AVAILABILITY_SWEEP_EVERY_MS = 60_000

const toMillis = (value: unknown): number | null => {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.getTime()
  const parsed = DateTime.fromSQL(String(value))
  return parsed.isValid ? parsed.toMillis() : DateTime.fromISO(String(value)).toMillis()
}

/**
 * `inbox.availability_sweep` (recurring platform job, every minute; see
 * start/jobs.ts). Online agents idle longer than their workspace's `auto_away_minutes`
 * (0 = never) become away, marked automatic (which reassigns their
 * conversations; their next heartbeat brings them back online); then
 * every workspace with waiting conversations and someone online drains
 * its queue (a resolved conversation frees a slot within a minute).
 */
export async function sweepAvailability(now = Date.now()) {
  const online: {
    workspace_id: number
    user_id: number
    last_activity_at: unknown
    availability_changed_at: unknown
    updated_at: unknown
    auto_away_minutes: number
  }[] = await db
    .from('agent_profiles')
    .join('workspaces', 'workspaces.id', 'agent_profiles.workspace_id')
    .where('agent_profiles.availability', 'online')
    .select(
      'agent_profiles.workspace_id',
      'agent_profiles.user_id',
      'agent_profiles.last_activity_at',
      'agent_profiles.availability_changed_at',
      'agent_profiles.updated_at',
      'workspaces.auto_away_minutes'
    )
  let away = 0
  for (const row of online) {
    const minutes = Number(row.auto_away_minutes)
    if (!minutes) continue
    // A profile put online without either time (an import, a script)
    // counts from its last write, not as idle since forever.
    const last =
      toMillis(row.last_activity_at) ??
      toMillis(row.availability_changed_at) ??
      toMillis(row.updated_at)
    if (last !== null && now - last < minutes * 60_000) continue
    await setAvailability(Number(row.workspace_id), Number(row.user_id), 'away', { auto: true })
    away++
  }

  const waiting: { workspace_id: number }[] = await db
    .from('conversations')
    .whereIn(
      'workspace_id',
      db.from('agent_profiles').where('availability', 'online').select('workspace_id')
    )
    .where('status', 'open')
    .whereNull('assignee_id')
    .whereNotNull('waiting_since')
    .distinct('workspace_id')
  let assigned = 0
  for (const row of waiting) assigned += await drainWaitingQueue(Number(row.workspace_id))
  return { away, assigned }
}
