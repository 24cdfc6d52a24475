import AssignmentEvent from '#inbox/models/assignment_event'
import type Conversation from '#inbox/models/conversation'
import { memberRefs, teamRefs, userNames } from '#inbox/services/members'

export type PersonRef = { id: string | null; name: string }

export type AssignmentLogEntry = {
  at: string
  reason: string
  ruleName: string | null
  note: string | null
  /** Who acted; null when a rule or the system did. */
  actor: PersonRef | null
  from: PersonRef | null
  to: PersonRef | null
  fromTeam: { id: string; name: string } | null
  toTeam: { id: string; name: string } | null
}

/**
 * A conversation's assignment log, newest first (at most 200 entries).
 * People are named by membership public id; someone who left the
 * workspace keeps their name with a null id; a deleted team shows as null.
 */
export async function listAssignmentEvents(
  conversation: Conversation
): Promise<AssignmentLogEntry[]> {
  const events = await AssignmentEvent.query()
    .where('conversation_id', conversation.id)
    .orderBy('id', 'desc')
    .limit(200)
  const userIds = events.flatMap((event) => [event.fromUserId, event.toUserId, event.actorId])
  const [members, names, teams] = await Promise.all([
    memberRefs(conversation.workspaceId, userIds),
    userNames(userIds),
    teamRefs(
      conversation.workspaceId,
      events.flatMap((event) => [event.fromTeamId, event.toTeamId])
    ),
  ])
  const person = (userId: number | null): PersonRef | null => {
    if (userId === null) return null
    return members.get(userId) ?? { id: null, name: names.get(userId) ?? '' }
  }
  return events.map((event) => ({
    at: event.createdAt.toISO()!,
    reason: event.reason,
    ruleName: event.ruleName,
    note: event.note,
    actor: person(event.actorId),
    from: person(event.fromUserId),
    to: person(event.toUserId),
    fromTeam: event.fromTeamId !== null ? (teams.get(event.fromTeamId) ?? null) : null,
    toTeam: event.toTeamId !== null ? (teams.get(event.toTeamId) ?? null) : null,
  }))
}
