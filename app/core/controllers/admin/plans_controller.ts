import type { HttpContext } from '@adonisjs/core/http'
import Plan, { PLAN_FEATURES } from '#core/models/plan'
import { planValidator } from '#core/validators/admin'
import { audit } from '#core/services/audit'

export default class AdminPlansController {
  async index({ inertia }: HttpContext) {
    const plans = await Plan.query()
      .withCount('workspaces', (query) => query.as('workspacesCount'))
      .orderBy('id')
    return inertia.render('admin/plans', {
      plans: plans.map((plan) => ({
        id: plan.id,
        slug: plan.slug,
        name: plan.name,
        isTrial: plan.isTrial,
        features: plan.features,
        maxMembers: plan.maxMembers,
        maxChannels: plan.maxChannels,
        maxContacts: plan.maxContacts,
        maxMessagesPerMonth: plan.maxMessagesPerMonth,
        maxStorageMb: plan.maxStorageMb,
        maxQrChannels: plan.maxQrChannels,
        workspacesCount: Number(plan.$extras.workspacesCount ?? 0),
      })),
      featureKeys: PLAN_FEATURES,
    })
  }

  async update({ params, request, response, session, i18n }: HttpContext) {
    const plan = await Plan.findOrFail(params.id)
    const payload = await request.validateUsing(planValidator)
    const before = plan.serialize()
    // Keep feature keys this form does not edit (plugins' `plugin:<id>`, set in Admin → Plugins).
    const { maxQrChannels, ...limits } = payload
    plan.merge({ ...limits, features: { ...plan.features, ...payload.features } })
    // Older clients do not send the QR limit: keep the stored one.
    if (maxQrChannels !== undefined) plan.maxQrChannels = maxQrChannels
    await plan.save()
    await audit({
      action: 'plan.updated',
      target: { type: 'plan', id: plan.slug },
      before,
      after: plan.serialize(),
    })
    session.flash('success', i18n.t('notices.plan_updated'))
    return response.redirect().back()
  }
}
