import type { HttpContext } from '@adonisjs/core/http'
import { audit } from '#core/services/audit'
import { pluginRegistry } from '#core/plugin_host/registry'
import { isActiveFor, isEnabledOnPlatform, planAllows, setActive } from '#core/plugin_host/state'
import { settingsForm, updateSettings } from '#core/plugin_host/settings'

/**
 * Settings → Plugins: the plugins enabled on the platform, which ones the
 * plan allows, activation, and each plugin's automatic settings form.
 * Needs `settings.workspace`.
 */
export default class WorkspacePluginsController {
  async index({ inertia, bouncer, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const plugins = []
    for (const record of pluginRegistry.loaded()) {
      if (!(await isEnabledOnPlatform(record.id))) continue
      plugins.push({
        id: record.id,
        name: record.name,
        version: record.version,
        description: record.description,
        allowed: await planAllows(record.id, workspace.id),
        active: await isActiveFor(record.id, workspace.id),
        hasSettings: Object.keys(record.settings).length > 0,
      })
    }
    return inertia.render('settings/plugins', { plugins })
  }

  async activate(ctx: HttpContext, pluginId: string) {
    return this.#toggle(ctx, pluginId, true)
  }

  async deactivate(ctx: HttpContext, pluginId: string) {
    return this.#toggle(ctx, pluginId, false)
  }

  async #toggle(
    { bouncer, workspace, response, session, i18n }: HttpContext,
    pluginId: string,
    active: boolean
  ) {
    await bouncer.authorize('permit', 'settings.workspace')
    await setActive(pluginId, workspace.id, active)
    await audit({
      action: active ? 'plugin.activated' : 'plugin.deactivated',
      workspaceId: workspace.id,
      target: { type: 'plugin', id: pluginId },
    })
    session.flash(
      'success',
      i18n.t(active ? 'notices.plugin_activated' : 'notices.plugin_deactivated', {
        plugin: pluginRegistry.get(pluginId)?.name ?? pluginId,
      })
    )
    return response.redirect().back()
  }

  async edit({ bouncer, workspace, inertia }: HttpContext, pluginId: string) {
    await bouncer.authorize('permit', 'settings.workspace')
    const record = pluginRegistry.get(pluginId)!
    return inertia.render('settings/plugin_settings', {
      plugin: {
        id: record.id,
        name: record.name,
        description: record.description,
        active: await isActiveFor(record.id, workspace.id),
        allowed: await planAllows(record.id, workspace.id),
      },
      fields: await settingsForm(record.id, workspace.id),
    })
  }

  async update(
    { bouncer, workspace, request, response, session, i18n }: HttpContext,
    pluginId: string
  ) {
    await bouncer.authorize('permit', 'settings.workspace')
    const record = pluginRegistry.get(pluginId)!
    await updateSettings(record.id, workspace.id, request.all())
    await audit({
      action: 'plugin.settings_updated',
      workspaceId: workspace.id,
      target: { type: 'plugin', id: record.id },
      // Field names only: values may be secrets.
      after: { fields: Object.keys(record.settings) },
    })
    session.flash('success', i18n.t('notices.plugin_settings_saved', { plugin: record.name }))
    return response.redirect().back()
  }
}
