import type { HttpContext } from '@adonisjs/core/http'
import vine from '@vinejs/vine'
import Plan from '#core/models/plan'
import { audit } from '#core/services/audit'
import { pluginRegistry } from '#core/plugin_host/registry'
import { platformState, setEnabledOnPlatform, clearPluginStateCache } from '#core/plugin_host/state'

const disableValidator = vine.compile(
  vine.object({ reason: vine.string().trim().maxLength(255).optional() })
)
const plansValidator = vine.compile(
  vine.object({ plans: vine.array(vine.number().withoutDecimals().positive()).optional() })
)

/**
 * Admin → Plugins: every plugin of config/plugins.ts with its load status
 * (and the reason when it failed), platform enable/disable, and the plans
 * whose workspaces may activate it.
 */
export default class AdminPluginsController {
  async index({ inertia }: HttpContext) {
    const disabled = await platformState()
    const plans = await Plan.query().orderBy('id')
    return inertia.render('admin/plugins', {
      plugins: pluginRegistry.all().map((record) => ({
        id: record.id,
        name: record.name,
        version: record.version,
        description: record.description,
        host: record.host,
        dependsOn: record.dependsOn,
        status: record.status,
        reason: record.reason,
        enabled: record.status === 'loaded' && !disabled.has(record.id),
        disabledReason: disabled.get(record.id) ?? null,
        feature: record.feature,
        plans: plans.map((plan) => ({
          id: plan.id,
          name: plan.name,
          allowed: (plan.features as Record<string, boolean>)[record.feature] === true,
        })),
      })),
    })
  }

  async enable(ctx: HttpContext, pluginId: string) {
    return this.#toggle(ctx, pluginId, true)
  }

  async disable(ctx: HttpContext, pluginId: string) {
    return this.#toggle(ctx, pluginId, false)
  }

  async #toggle(
    { request, response, session, i18n, auth }: HttpContext,
    pluginId: string,
    enabled: boolean
  ) {
    const { reason } = await request.validateUsing(disableValidator)
    await setEnabledOnPlatform(pluginId, enabled, { actorId: auth.user!.id, reason })
    await audit({
      action: enabled ? 'plugin.enabled' : 'plugin.disabled',
      target: { type: 'plugin', id: pluginId },
      after: { reason: reason ?? null },
    })
    session.flash(
      'success',
      i18n.t(enabled ? 'notices.plugin_enabled' : 'notices.plugin_disabled', { plugin: pluginId })
    )
    return response.redirect().back()
  }

  /** The plans whose workspaces may activate the plugin (a plan feature). */
  async plans({ request, response, session, i18n }: HttpContext, pluginId: string) {
    const record = pluginRegistry.get(pluginId)!
    const { plans: allowed = [] } = await request.validateUsing(plansValidator)
    for (const plan of await Plan.query()) {
      const features = { ...(plan.features as Record<string, boolean>) }
      const next = allowed.includes(plan.id)
      if ((features[record.feature] === true) === next) continue
      features[record.feature] = next
      plan.features = features
      await plan.save()
      await audit({
        action: 'plan.updated',
        target: { type: 'plan', id: plan.slug },
        after: { [record.feature]: next },
      })
    }
    clearPluginStateCache()
    session.flash('success', i18n.t('notices.plugin_plans_updated', { plugin: record.id }))
    return response.redirect().back()
  }
}
