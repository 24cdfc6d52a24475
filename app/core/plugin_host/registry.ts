import type { OutboundFilter, PluginContext, PluginDefinition, SettingsSchema } from '#sdk/plugin'

/**
 * What the loader knows about every plugin listed in config/plugins.ts,
 * loaded or not. In memory, per process; read by the admin panel and
 * `node ace plugin:list`.
 */
export type PluginLoadStatus = 'loaded' | 'failed'

export type PluginRecord = {
  /** The key in config/plugins.ts (the plugin's folder name). */
  id: string
  name: string
  version: string
  description: string | null
  host: string | null
  dependsOn: string[]
  status: PluginLoadStatus
  /** Why the plugin is not loaded (failed) — a sentence for humans. */
  reason: string | null
  definition: PluginDefinition | null
  context: PluginContext | null
  /** Plan feature that allows a workspace to activate it. */
  feature: string
  settings: SettingsSchema
  /** Position in the load order (dependencies first). */
  order: number
}

export type RegisteredFilter = { pluginId: string; filter: OutboundFilter }

export class PluginRegistry {
  #records = new Map<string, PluginRecord>()
  #filters: RegisteredFilter[] = []

  reset() {
    this.#records.clear()
    this.#filters = []
  }

  set(record: PluginRecord) {
    this.#records.set(record.id, record)
  }

  get(id: string): PluginRecord | undefined {
    return this.#records.get(id)
  }

  /** Every plugin, load order first, failed ones last. */
  all(): PluginRecord[] {
    return [...this.#records.values()].sort((a, b) => a.order - b.order)
  }

  loaded(): PluginRecord[] {
    return this.all().filter((record) => record.status === 'loaded')
  }

  isLoaded(id: string) {
    return this.#records.get(id)?.status === 'loaded'
  }

  /**
   * Disable a plugin that failed after loading (a throwing boot hook).
   */
  fail(id: string, reason: string) {
    const record = this.#records.get(id)
    if (!record) return
    record.status = 'failed'
    record.reason = reason
  }

  addFilter(pluginId: string, filter: OutboundFilter) {
    this.#filters.push({ pluginId, filter })
  }

  filters(): RegisteredFilter[] {
    return this.#filters.filter((entry) => this.isLoaded(entry.pluginId))
  }
}

export const pluginRegistry = new PluginRegistry()
