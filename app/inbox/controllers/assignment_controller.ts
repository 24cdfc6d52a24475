import type { HttpContext } from '@adonisjs/core/http'
import { assignValidator } from '#inbox/validators/routing'
import { assignConversation } from '#inbox/actions/assign_conversation'
import type { AssignmentReason } from '#inbox/models/assignment_event'
import { inboxScope, visibleConversation } from '#inbox/queries/inbox_scope'
import { listAssignmentEvents } from '#inbox/queries/list_assignment_events'
import { memberRefs, teamIdOf, teamRefs, userIdOfMember } from '#inbox/services/members'

const wantsJson = (ctx: HttpContext) =>
  !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'

/**
 * Manual assignment and the assignment log of a conversation.
 */
export default class AssignmentController {
  /** GET …/conversations/:conversation/assignments → { events: AssignmentLogEntry[] } */
  async index(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const conversation = await visibleConversation(await inboxScope(ctx), ctx.params.conversation)
    return { events: await listAssignmentEvents(conversation) }
  }

  /**
   * POST …/conversations/:conversation/assign { assignee?, teamId?, note? }.
   * Needs `inbox.assign`, except "take": a member who may reply assigns an
   * unassigned conversation to themselves.
   */
  async assign(ctx: HttpContext) {
    const { bouncer, request, response, member, session, i18n, workspace } = ctx
    await bouncer.authorize('permit', 'inbox.view')
    const conversation = await visibleConversation(await inboxScope(ctx), ctx.params.conversation)
    const payload = await request.validateUsing(assignValidator)
    const toUserId =
      payload.assignee === undefined
        ? conversation.assigneeId
        : payload.assignee === null
          ? null
          : await userIdOfMember(payload.assignee, 'assignee')
    const toTeamId =
      payload.teamId === undefined
        ? undefined
        : payload.teamId === null
          ? null
          : await teamIdOf(payload.teamId, 'teamId')

    const selfId = member.user.id
    const isTake =
      member.can('inbox.reply') &&
      conversation.assigneeId === null &&
      toUserId === selfId &&
      toTeamId === undefined
    if (!isTake) await bouncer.authorize('permit', 'inbox.assign')

    const reason: AssignmentReason =
      toUserId === null && conversation.assigneeId !== null && toTeamId === undefined
        ? 'unassign'
        : conversation.assigneeId !== null || payload.note
          ? 'transfer'
          : 'manual'
    const updated = await assignConversation({
      conversation,
      toUserId,
      toTeamId,
      actorId: selfId,
      reason,
      note: payload.note ?? null,
    })

    if (!wantsJson(ctx)) {
      session.flash('success', i18n.t('routing.assigned'))
      return response.redirect().back()
    }
    const [agents, teams] = await Promise.all([
      memberRefs(workspace.id, [updated.assigneeId]),
      teamRefs(workspace.id, [updated.teamId]),
    ])
    return {
      conversation: {
        id: updated.publicId,
        assignee: updated.assigneeId !== null ? (agents.get(updated.assigneeId) ?? null) : null,
        team: updated.teamId !== null ? (teams.get(updated.teamId) ?? null) : null,
        waitingSince: updated.waitingSince?.toISO() ?? null,
      },
    }
  }
}
