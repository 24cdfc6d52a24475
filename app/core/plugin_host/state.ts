import { Exception } from '@adonisjs/core/exceptions'
import PluginInstall from '#core/plugin_host/models/plugin_install'
import PluginActivation from '#core/plugin_host/models/plugin_activation'
import Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { pluginRegistry } from '#core/plugin_host/registry'

/**
 * The two levels of enablement:
 * 1. platform: the plugin is loaded and not disabled by the super admin;
 * 2. workspace: the workspace's plan has the plugin's feature and a
 *    workspace admin activated it.
 * Reads are cached for a few seconds per process (other processes see a
 * change within CACHE_MS); changes made here clear the cache at once.
 */
const CACHE_MS = 3000

export class PluginNotAvailableException extends Exception {
  static status = 404
  static code = 'E_PLUGIN_NOT_AVAILABLE'
}

export class PluginNotInPlanException extends Exception {
  static status = 403
  static code = 'E_PLUGIN_NOT_IN_PLAN'
}

let installs: { at: number; disabled: Map<string, string | null> } | null = null
const activations = new Map<
  number,
  { at: number; active: Set<string>; features: Record<string, boolean> }
>()

export function clearPluginStateCache() {
  installs = null
  activations.clear()
}

async function disabledOnPlatform(): Promise<Map<string, string | null>> {
  if (installs && Date.now() - installs.at < CACHE_MS) return installs.disabled
  const rows = await PluginInstall.query().where('enabled', false)
  const disabled = new Map(rows.map((row) => [row.pluginId, row.disabledReason]))
  installs = { at: Date.now(), disabled }
  return disabled
}

/** Loaded and not disabled by the super admin. */
export async function isEnabledOnPlatform(pluginId: string): Promise<boolean> {
  if (!pluginRegistry.isLoaded(pluginId)) return false
  return !(await disabledOnPlatform()).has(pluginId)
}

export async function platformState(): Promise<Map<string, string | null>> {
  return disabledOnPlatform()
}

export async function setEnabledOnPlatform(
  pluginId: string,
  enabled: boolean,
  options: { actorId?: number | null; reason?: string | null } = {}
) {
  const row = await PluginInstall.updateOrCreate(
    { pluginId },
    {
      enabled,
      disabledReason: enabled ? null : (options.reason ?? null),
      changedBy: options.actorId ?? null,
    }
  )
  clearPluginStateCache()
  return row
}

async function workspaceState(workspaceId: number) {
  const cached = activations.get(workspaceId)
  if (cached && Date.now() - cached.at < CACHE_MS) return cached
  const workspace = await Workspace.query().where('id', workspaceId).preload('plan').first()
  const rows = await tenancy.run(workspaceId, () =>
    PluginActivation.query().where('active', true).select('plugin_id')
  )
  const state = {
    at: Date.now(),
    active: new Set(rows.map((row) => row.pluginId)),
    features: (workspace?.plan?.features ?? {}) as Record<string, boolean>,
  }
  activations.set(workspaceId, state)
  return state
}

/** The workspace's plan grants the plugin's feature. */
export async function planAllows(pluginId: string, workspaceId: number): Promise<boolean> {
  const record = pluginRegistry.get(pluginId)
  if (!record) return false
  const state = await workspaceState(workspaceId)
  return state.features[record.feature] === true
}

/**
 * The plugin runs for this workspace: enabled on the platform, allowed by
 * the plan, activated by the workspace.
 */
export async function isActiveFor(pluginId: string, workspaceId: number): Promise<boolean> {
  if (!(await isEnabledOnPlatform(pluginId))) return false
  const state = await workspaceState(workspaceId)
  const record = pluginRegistry.get(pluginId)!
  return state.active.has(pluginId) && state.features[record.feature] === true
}

/** Workspaces where the plugin is active (platform enabled, plan allows). */
export async function activeWorkspaceIds(pluginId: string): Promise<number[]> {
  if (!(await isEnabledOnPlatform(pluginId))) return []
  const record = pluginRegistry.get(pluginId)!
  const rows = await tenancy.crossTenant(
    { actorId: null, reason: `plugin ${pluginId}: list activating workspaces` },
    () => PluginActivation.query().where('plugin_id', pluginId).where('active', true)
  )
  const ids = [...new Set(rows.map((row) => row.workspaceId))]
  if (!ids.length) return []
  const workspaces = await Workspace.query().whereIn('id', ids).preload('plan')
  return workspaces
    .filter((workspace) => !workspace.isSuspended)
    .filter(
      (workspace) => (workspace.plan.features as Record<string, boolean>)[record.feature] === true
    )
    .map((workspace) => workspace.id)
}

/**
 * Activate or deactivate for the current tenant. Activation needs the
 * plugin enabled on the platform and the plan's feature.
 */
export async function setActive(pluginId: string, workspaceId: number, active: boolean) {
  if (!(await isEnabledOnPlatform(pluginId))) {
    throw new PluginNotAvailableException(`Plugin "${pluginId}" is not available on this platform.`)
  }
  if (active && !(await planAllows(pluginId, workspaceId))) {
    throw new PluginNotInPlanException(
      `The workspace's plan does not include the plugin "${pluginId}".`
    )
  }
  await tenancy.run(workspaceId, async () => {
    const row = await PluginActivation.query().where('plugin_id', pluginId).first()
    if (row) {
      row.active = active
      await row.save()
    } else {
      await PluginActivation.create({ pluginId, active, settings: {} })
    }
  })
  activations.delete(workspaceId)
}
