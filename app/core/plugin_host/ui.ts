import { pluginRegistry } from '#core/plugin_host/registry'
import { isActiveFor, isEnabledOnPlatform } from '#core/plugin_host/state'
import { workspaceChannel } from '#core/realtime'

/**
 * The `pluginUi` Inertia prop: sidebar items and UI slot components of the
 * plugins that run for the current workspace (admin pages: the
 * platform-enabled plugins' `admin.*` slots).
 */
export type PluginUi = {
  nav: { plugin: string; label: string; path: string; icon: string | null }[]
  slots: Record<string, { plugin: string; component: string }[]>
  /** The workspace's Transmit channel prefix (`workspaces/<public id>`). */
  channel: string | null
}

export async function pluginUi(workspaceId: number | null): Promise<PluginUi> {
  const ui: PluginUi = {
    nav: [],
    slots: {},
    channel: workspaceId === null ? null : await workspaceChannel(workspaceId, ''),
  }
  for (const record of pluginRegistry.loaded()) {
    const contributes = record.definition?.contributes ?? {}
    if (!contributes.navigation?.length && !contributes.slots) continue
    const runs =
      workspaceId === null
        ? await isEnabledOnPlatform(record.id)
        : await isActiveFor(record.id, workspaceId)
    if (!runs) continue
    if (workspaceId !== null) {
      for (const item of contributes.navigation ?? []) {
        const rest = item.path.replace(/^\/+/, '')
        ui.nav.push({
          plugin: record.id,
          label: item.label,
          path: `/p/${record.id}${rest ? `/${rest}` : ''}`,
          icon: item.icon ?? null,
        })
      }
    }
    for (const [slot, component] of Object.entries(contributes.slots ?? {})) {
      if (slot.startsWith('admin.') !== (workspaceId === null)) continue
      ui.slots[slot] ??= []
      ui.slots[slot].push({ plugin: record.id, component: `${record.id}/${component}` })
    }
  }
  return ui
}
