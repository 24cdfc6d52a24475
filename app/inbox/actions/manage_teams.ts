import db from '@adonisjs/lucid/services/db'
import Team from '#inbox/models/team'
import TeamMember from '#inbox/models/team_member'
import AgentProfile from '#inbox/models/agent_profile'
import { ensureAgentProfile } from '#inbox/services/agents'
import { inboxFieldError } from '#inbox/validators/field_error'
import { isUniqueViolation } from '#core/helpers/db_errors'
import { tenancy } from '#core/tenancy/context'
import { audit } from '#core/services/audit'

/**
 * Teams (Settings → Teams). Run in the workspace's tenant context.
 */
export async function createTeam(
  input: { name: string; reassignOnAway?: boolean },
  actorId: number | null
) {
  try {
    const team = await Team.create({
      name: input.name,
      reassignOnAway: input.reassignOnAway ?? true,
    })
    await audit({
      action: 'team.created',
      workspaceId: tenancy.workspaceId(),
      actorId,
      target: { type: 'team', id: team.publicId },
      after: { name: team.name },
    })
    return team
  } catch (error) {
    if (isUniqueViolation(error)) inboxFieldError('name', 'routing.errors.team_name_taken')
    throw error
  }
}

export async function updateTeam(
  team: Team,
  input: { name?: string; reassignOnAway?: boolean },
  actorId: number | null
) {
  const before = { name: team.name, reassignOnAway: team.reassignOnAway }
  if (input.name !== undefined) team.name = input.name
  if (input.reassignOnAway !== undefined) team.reassignOnAway = input.reassignOnAway
  try {
    await team.save()
  } catch (error) {
    if (isUniqueViolation(error)) inboxFieldError('name', 'routing.errors.team_name_taken')
    throw error
  }
  await audit({
    action: 'team.updated',
    workspaceId: tenancy.workspaceId(),
    actorId,
    target: { type: 'team', id: team.publicId },
    before,
    after: { name: team.name, reassignOnAway: team.reassignOnAway },
  })
  return team
}

/**
 * Deletes a team: its conversations keep their assignee and lose the team,
 * rules scoped to it are removed (assignment) or lose their team action
 * (routing). Members are removed by the foreign key.
 */
export async function deleteTeam(team: Team, actorId: number | null) {
  const workspaceId = tenancy.workspaceId()
  await db.transaction(async (trx) => {
    await trx
      .from('conversations')
      .where('workspace_id', workspaceId)
      .where('team_id', team.id)
      .update({ team_id: null })
    await trx
      .from('assignment_rules')
      .where('workspace_id', workspaceId)
      .where('team_id', team.id)
      .delete()
    await trx
      .from('routing_rules')
      .where('workspace_id', workspaceId)
      .where('set_team_id', team.id)
      .update({ set_team_id: null })
    team.useTransaction(trx)
    await team.delete()
  })
  await audit({
    action: 'team.deleted',
    workspaceId,
    actorId,
    target: { type: 'team', id: team.publicId },
    before: { name: team.name },
  })
}

export async function addTeamMember(team: Team, userId: number) {
  try {
    await TeamMember.create({ teamId: team.id, userId })
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
  }
}

export async function removeTeamMember(team: Team, userId: number) {
  await TeamMember.query().where('team_id', team.id).where('user_id', userId).delete()
}

/** An admin edits a member's limit, skills and seniority. */
export async function updateAgentSettings(
  userId: number,
  input: { maxOpenConversations: number | null; skills: string[]; isSenior: boolean }
) {
  const profile: AgentProfile = await ensureAgentProfile(tenancy.workspaceId(), userId)
  profile.merge({
    maxOpenConversations: input.maxOpenConversations,
    skills: [...new Set(input.skills.map((skill) => skill.trim()).filter(Boolean))],
    isSenior: input.isSenior,
  })
  await profile.save()
  return profile
}
