import { paginationMeta } from '#core/helpers/pagination'
import type { HttpContext } from '@adonisjs/core/http'
import Workspace from '#core/models/workspace'
import Plan from '#core/models/plan'
import Membership from '#core/models/membership'
import { tenancy } from '#core/tenancy/context'
import { changePlanValidator, suspendValidator } from '#core/validators/admin'
import { resumeWorkspace, suspendWorkspace } from '#core/actions/suspend_workspace'
import { audit } from '#core/services/audit'

const STATUSES = ['active', 'trial', 'suspended']

/**
 * Platform super admin: every workspace.
 */
export default class AdminWorkspacesController {
  async index({ inertia, request }: HttpContext) {
    const q = String(request.input('q', '')).trim()
    const status = STATUSES.includes(request.input('status')) ? request.input('status') : null
    const query = Workspace.query()
      .preload('plan')
      .withCount('memberships', (memberships) => memberships.as('membersCount'))
      .orderBy('id', 'desc')
    if (q) query.where((where) => where.whereILike('name', `%${q}%`).orWhereILike('slug', `%${q}%`))
    if (status) query.where('status', status)
    const page = await query.paginate(Math.max(1, Number(request.input('page', 1)) || 1), 25)
    return inertia.render('admin/workspaces', {
      workspaces: {
        data: page.all().map((workspace) => ({
          id: workspace.publicId,
          name: workspace.name,
          slug: workspace.slug,
          status: workspace.status,
          plan: workspace.plan.name,
          membersCount: Number(workspace.$extras.membersCount),
          createdAt: workspace.createdAt.toISO(),
        })),
        meta: paginationMeta(page),
      },
      filters: { q, status },
    })
  }

  async show({ inertia, params, auth }: HttpContext) {
    const workspace = await Workspace.query()
      .where('public_id', params.id)
      .preload('plan')
      .firstOrFail()
    // Reading another tenant's members is a crossing: explicit and audited.
    const members = await tenancy.crossTenant(
      { actorId: auth.user!.id, reason: 'admin.workspace_members', workspaceId: workspace.id },
      () =>
        Membership.query()
          .where('workspace_id', workspace.id)
          .preload('user')
          .preload('role')
          .orderBy('id')
    )
    const plans = await Plan.query().orderBy('id')
    return inertia.render('admin/workspace', {
      workspace: {
        id: workspace.publicId,
        name: workspace.name,
        slug: workspace.slug,
        status: workspace.status,
        plan: { id: workspace.plan.id, name: workspace.plan.name },
        suspensionReason: workspace.suspensionReason,
        createdAt: workspace.createdAt.toISO(),
        trialEndsAt: workspace.trialEndsAt?.toISO() ?? null,
      },
      members: members.map((membership) => ({
        fullName: membership.user.fullName,
        email: membership.user.email,
        role: membership.role.name,
      })),
      plans: plans.map((plan) => ({ id: plan.id, name: plan.name })),
    })
  }

  async suspend({ params, request, auth, response, session, i18n }: HttpContext) {
    const workspace = await Workspace.findByOrFail('public_id', params.id)
    const { reason } = await request.validateUsing(suspendValidator)
    await suspendWorkspace(workspace, reason, auth.user!.id)
    session.flash('success', i18n.t('notices.workspace_suspended'))
    return response.redirect().back()
  }

  async resume({ params, auth, response, session, i18n }: HttpContext) {
    const workspace = await Workspace.findByOrFail('public_id', params.id)
    await resumeWorkspace(workspace, auth.user!.id)
    session.flash('success', i18n.t('notices.workspace_resumed'))
    return response.redirect().back()
  }

  async changePlan({ params, request, response, session, i18n }: HttpContext) {
    const workspace = await Workspace.query()
      .where('public_id', params.id)
      .preload('plan')
      .firstOrFail()
    const { planId } = await request.validateUsing(changePlanValidator)
    const plan = await Plan.findOrFail(planId)
    const before = { plan: workspace.plan.slug }
    workspace.planId = plan.id
    if (!plan.isTrial && workspace.status === 'trial') workspace.status = 'active'
    await workspace.save()
    await audit({
      action: 'workspace.plan_changed',
      workspaceId: workspace.id,
      target: { type: 'workspace', id: workspace.publicId },
      before,
      after: { plan: plan.slug },
    })
    session.flash('success', i18n.t('notices.plan_updated'))
    return response.redirect().back()
  }
}
