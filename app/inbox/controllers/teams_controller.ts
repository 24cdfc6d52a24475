import type { HttpContext } from '@adonisjs/core/http'
import Team from '#inbox/models/team'
import Membership from '#core/models/membership'
import AgentProfile from '#inbox/models/agent_profile'
import {
  agentSettingsValidator,
  teamMemberValidator,
  teamValidator,
  updateTeamValidator,
} from '#inbox/validators/routing'
import {
  addTeamMember,
  createTeam,
  deleteTeam,
  removeTeamMember,
  updateAgentSettings,
  updateTeam,
} from '#inbox/actions/manage_teams'
import { assignableUserIds, openLoads } from '#inbox/services/agents'
import { userIdOfMember } from '#inbox/services/members'

export type TeamRow = {
  id: string
  name: string
  reassignOnAway: boolean
  members: { id: string; name: string }[]
}

export type AgentRow = {
  /** Membership public id. */
  id: string
  name: string
  email: string
  role: string
  /** False when the member's role lacks inbox.view (cannot be assigned). */
  assignable: boolean
  availability: string
  maxOpenConversations: number | null
  skills: string[]
  isSenior: boolean
  openConversations: number
}

export type TeamsSettingsProps = { teams: TeamRow[]; agents: AgentRow[] }

/**
 * Settings → Teams (settings.workspace): teams, their members, "reassign
 * when a member goes away", and each member's inbox settings.
 */
export default class TeamsController {
  async index({ inertia, bouncer, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const [teams, memberships, profiles] = await Promise.all([
      Team.query().preload('members').orderBy('name'),
      Membership.query().preload('user').preload('role').orderBy('id'),
      AgentProfile.query(),
    ])
    const userIds = memberships.map((membership) => membership.userId)
    const [assignable, loads] = await Promise.all([
      assignableUserIds(workspace.id, userIds),
      openLoads(workspace.id, userIds),
    ])
    const canAssign = new Set(assignable)
    const profileOf = new Map(profiles.map((profile) => [profile.userId, profile]))
    const memberOf = new Map(memberships.map((membership) => [membership.userId, membership]))
    const props: TeamsSettingsProps = {
      teams: teams.map((team) => ({
        id: team.publicId,
        name: team.name,
        reassignOnAway: team.reassignOnAway,
        members: team.members
          .map((row) => memberOf.get(row.userId))
          .filter((membership): membership is Membership => Boolean(membership))
          .map((membership) => ({ id: membership.publicId, name: membership.user.fullName })),
      })),
      agents: memberships.map((membership) => {
        const profile = profileOf.get(membership.userId)
        return {
          id: membership.publicId,
          name: membership.user.fullName,
          email: membership.user.email,
          role: membership.role.name,
          assignable: canAssign.has(membership.userId),
          availability: profile?.availability ?? 'offline',
          maxOpenConversations: profile?.maxOpenConversations ?? null,
          skills: profile?.skills ?? [],
          isSenior: profile?.isSenior ?? false,
          openConversations: loads.get(membership.userId) ?? 0,
        }
      }),
    }
    return inertia.render('settings/teams', props)
  }

  async store({ request, bouncer, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const payload = await request.validateUsing(teamValidator)
    const team = await createTeam(payload, auth.user?.id ?? null)
    if (request.accepts(['html', 'json']) === 'json' && !request.header('x-inertia')) {
      return response.created({ id: team.publicId, name: team.name })
    }
    session.flash('success', i18n.t('routing.team_created'))
    return response.redirect().back()
  }

  async update({ params, request, bouncer, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const team = await Team.findByOrFail('public_id', params.team)
    const payload = await request.validateUsing(updateTeamValidator)
    await updateTeam(team, payload, auth.user?.id ?? null)
    session.flash('success', i18n.t('routing.team_updated'))
    return response.redirect().back()
  }

  async destroy({ params, bouncer, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const team = await Team.findByOrFail('public_id', params.team)
    await deleteTeam(team, auth.user?.id ?? null)
    session.flash('success', i18n.t('routing.team_deleted'))
    return response.redirect().back()
  }

  async addMember({ params, request, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const team = await Team.findByOrFail('public_id', params.team)
    const { userId } = await request.validateUsing(teamMemberValidator)
    await addTeamMember(team, await userIdOfMember(userId, 'userId'))
    session.flash('success', i18n.t('routing.member_added'))
    return response.redirect().back()
  }

  async removeMember({ params, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const team = await Team.findByOrFail('public_id', params.team)
    const membership = await Membership.findByOrFail('public_id', params.member)
    await removeTeamMember(team, membership.userId)
    session.flash('success', i18n.t('routing.member_removed'))
    return response.redirect().back()
  }

  /** PUT …/settings/teams/agents/:member { maxOpenConversations, skills, isSenior } */
  async updateAgent({ params, request, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const membership = await Membership.findByOrFail('public_id', params.member)
    const payload = await request.validateUsing(agentSettingsValidator)
    await updateAgentSettings(membership.userId, payload)
    session.flash('success', i18n.t('routing.agent_saved'))
    return response.redirect().back()
  }
}
