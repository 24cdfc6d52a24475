import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Conversation from '#inbox/models/conversation'
import AgentProfile from '#inbox/models/agent_profile'
import AssignmentEvent, { type AssignmentReason } from '#inbox/models/assignment_event'
import {
  AgentAtCapacityException,
  NotAssignableException,
  TeamNotFoundException,
} from '#inbox/exceptions/assignment_exceptions'
import { ensureAgentProfile, isAssignable, LOAD_STATUSES } from '#inbox/services/agents'
import { tenancy } from '#core/tenancy/context'
import { isTransientLockError } from '#core/helpers/db_errors'

export type AssignConversationInput = {
  conversation: Conversation
  /** null = unassign (the team is kept unless toTeamId says otherwise). */
  toUserId: number | null
  /** undefined = keep the team, null = clear it. */
  toTeamId?: number | null
  /** null when a rule or the system acted. */
  actorId: number | null
  reason: AssignmentReason
  ruleName?: string | null
  note?: string | null
  /**
   * Automatic paths set it: assign only if the conversation is still
   * unassigned when the lock is taken (another worker may have won);
   * otherwise nothing changes and the conversation is returned as stored.
   */
  onlyIfUnassigned?: boolean
}

/** Reasons where a person chose the assignee: they may exceed the agent's limit. */
const PERSON_REASONS: ReadonlySet<AssignmentReason> = new Set(['manual', 'transfer'])

/**
 * Reasons that put an unassigned open conversation back in the waiting
 * queue, so the next available agent gets it.
 */
const REQUEUE_REASONS: ReadonlySet<AssignmentReason> = new Set(['reassign_away', 'member_removed'])

const MAX_ATTEMPTS = 4

/**
 * Assigns (or unassigns) a conversation to an agent and/or a team.
 *
 * - `toUserId` must be a member whose role grants `inbox.view`
 *   (`E_NOT_ASSIGNABLE`); `toTeamId` must be a team of the workspace
 *   (`E_TEAM_NOT_FOUND`).
 * - The agent's `max_open_conversations` (open + pending assigned
 *   conversations) is enforced for automatic reasons (rule, queue,
 *   reassign_away): `E_AGENT_AT_CAPACITY`. A person assigning or
 *   transferring by hand (manual, transfer) may exceed it: they see the
 *   agent's load and decide.
 * - The check and the write run in one transaction holding the agent's
 *   `agent_profiles` row lock (SELECT … FOR UPDATE on MySQL/MariaDB; on
 *   SQLite the transaction takes the database write lock first), so
 *   concurrent automatic assignments never push an agent over the limit.
 * - Writes an `assignment_events` row, clears `waiting_since` when someone
 *   is assigned (sets it when an open conversation loses its agent to
 *   reassign_away/member_removed, so it waits in the queue), stamps the
 *   agent's `last_assigned_at` (round robin), and emits
 *   `inbox:conversation_assigned` after the commit.
 * - Nothing changes (no event, no log row) when assignee and team are
 *   already the requested ones.
 */
export async function assignConversation(input: AssignConversationInput): Promise<Conversation> {
  const workspaceId = input.conversation.workspaceId
  return tenancy.run(workspaceId, async () => {
    const toUserId = input.toUserId
    if (toUserId !== null) {
      if (!(await isAssignable(workspaceId, toUserId))) throw new NotAssignableException()
      await ensureAgentProfile(workspaceId, toUserId)
    }
    if (input.toTeamId !== undefined && input.toTeamId !== null) {
      const team = await db
        .from('teams')
        .where('workspace_id', workspaceId)
        .where('id', input.toTeamId)
        .select('id')
        .first()
      if (!team) throw new TeamNotFoundException()
    }

    let outcome: { conversation: Conversation; event: AssignmentEvent | null } | null = null
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = await db.transaction((trx) => write(trx, workspaceId, input))
        break
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isTransientLockError(error)) throw error
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt))
      }
    }

    const { conversation, event } = outcome
    if (event) {
      await emitter.emit('inbox:conversation_assigned', {
        workspaceId,
        conversationId: conversation.id,
        fromUserId: event.fromUserId,
        toUserId: event.toUserId,
        fromTeamId: event.fromTeamId,
        toTeamId: event.toTeamId,
        reason: event.reason,
      })
    }
    // Keep the caller's instance current too.
    input.conversation.merge({
      assigneeId: conversation.assigneeId,
      teamId: conversation.teamId,
      waitingSince: conversation.waitingSince,
    })
    return conversation
  })
}

async function write(
  trx: TransactionClientContract,
  workspaceId: number,
  input: AssignConversationInput
) {
  const mysql = trx.dialect.name === 'mysql'
  if (!mysql) {
    // SQLite: take the write lock first (like BEGIN IMMEDIATE) so the
    // load count below cannot go stale before our write.
    await trx.rawQuery('UPDATE agent_profiles SET id = id WHERE 0')
  }

  const toUserId = input.toUserId
  let profile: AgentProfile | null = null
  if (toUserId !== null) {
    const profileQuery = AgentProfile.query({ client: trx }).where('user_id', toUserId)
    if (mysql) profileQuery.forUpdate()
    profile = await profileQuery.firstOrFail()
  }

  const conversationQuery = Conversation.query({ client: trx }).where('id', input.conversation.id)
  if (mysql) conversationQuery.forUpdate()
  const conversation = await conversationQuery.firstOrFail()

  const fromUserId = conversation.assigneeId
  const fromTeamId = conversation.teamId
  const toTeamId = input.toTeamId === undefined ? fromTeamId : input.toTeamId

  if (input.onlyIfUnassigned && fromUserId !== null) return { conversation, event: null }
  if (fromUserId === toUserId && fromTeamId === toTeamId) return { conversation, event: null }

  if (
    profile &&
    toUserId !== null &&
    toUserId !== fromUserId &&
    !PERSON_REASONS.has(input.reason)
  ) {
    const limit = profile.maxOpenConversations
    if (limit !== null && limit !== undefined) {
      const row = await trx
        .from('conversations')
        .where('workspace_id', workspaceId)
        .where('assignee_id', toUserId)
        .whereIn('status', [...LOAD_STATUSES])
        .whereNot('id', conversation.id)
        .count('* as total')
        .first()
      if (Number(row?.total ?? 0) >= limit) throw new AgentAtCapacityException()
    }
  }

  const now = DateTime.now()
  conversation.useTransaction(trx)
  conversation.assigneeId = toUserId
  conversation.teamId = toTeamId
  if (toUserId !== null) {
    conversation.waitingSince = null
  } else if (REQUEUE_REASONS.has(input.reason) && conversation.status === 'open') {
    conversation.waitingSince = conversation.waitingSince ?? now
  } else {
    conversation.waitingSince = null
  }
  await conversation.save()

  if (profile && toUserId !== fromUserId) {
    profile.useTransaction(trx)
    profile.lastAssignedAt = now
    await profile.save()
  }

  const event = await AssignmentEvent.create(
    {
      conversationId: conversation.id,
      fromUserId,
      toUserId,
      fromTeamId,
      toTeamId,
      actorId: input.actorId,
      reason: input.reason,
      ruleName: input.ruleName ? input.ruleName.slice(0, 120) : null,
      note: input.note ? input.note.slice(0, 1000) : null,
    },
    { client: trx }
  )
  return { conversation, event }
}

/**
 * Transfer to another agent and/or team with an optional note (logged
 * with reason `transfer`). A person acts, so the agent's limit may be
 * exceeded.
 */
export function transferConversation(input: {
  conversation: Conversation
  toUserId: number | null
  toTeamId?: number | null
  actorId: number | null
  note?: string | null
}) {
  return assignConversation({ ...input, reason: 'transfer' })
}
