import semver from 'semver'
import logger from '@adonisjs/core/services/logger'
import emitter from '@adonisjs/core/services/emitter'
import { SDK_VERSION } from '#sdk/version'
import { PLUGIN_ID_PATTERN, UI_SLOTS, type PluginDefinition, type PluginHook } from '#sdk/plugin'
import { catalogSources, paymentGateways } from '#sdk/ports'
import { channelDrivers } from '#channels/registry'
import { pluginRegistry, type PluginRecord, type PluginRegistry } from '#core/plugin_host/registry'
import { createPluginContext, guardedListener } from '#core/plugin_host/context'
import { guardPluginDriver } from '#core/plugin_host/channels'

/**
 * Loads the plugins listed in config/plugins.ts: validates each manifest,
 * checks its `host` range against the SDK version, orders them by
 * `dependsOn` and runs `register`. A plugin that fails any step is kept in
 * the registry as `failed` with a reason; the others load and Parley starts.
 */
export type PluginImports = Record<string, () => Promise<{ default: unknown }>>

const HOOKS = ['register', 'boot', 'ready', 'shutdown'] as const

function message(error: unknown) {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Problems with a manifest, as sentences; empty when it is valid.
 */
export function validateManifest(key: string, value: unknown): string[] {
  const problems: string[] = []
  if (!value || typeof value !== 'object') {
    return ['plugin.ts must default-export definePlugin({...})']
  }
  const manifest = value as Record<string, any>
  if (typeof manifest.id !== 'string' || !PLUGIN_ID_PATTERN.test(manifest.id)) {
    problems.push(
      '"id" must be 2-40 lower-case letters, digits or underscores, starting with a letter'
    )
  } else if (manifest.id !== key) {
    problems.push(`"id" is "${manifest.id}" but config/plugins.ts lists it as "${key}"`)
  }
  if (typeof manifest.name !== 'string' || !manifest.name.trim()) {
    problems.push('"name" is required')
  }
  if (typeof manifest.version !== 'string' || !semver.valid(manifest.version)) {
    problems.push('"version" must be a semver version such as "1.0.0"')
  }
  if (typeof manifest.host !== 'string' || !semver.validRange(manifest.host)) {
    problems.push('"host" must be a semver range of the SDK version, such as "^1.0.0"')
  }
  if (
    manifest.dependsOn !== undefined &&
    (!Array.isArray(manifest.dependsOn) ||
      manifest.dependsOn.some((dep: unknown) => typeof dep !== 'string'))
  ) {
    problems.push('"dependsOn" must be a list of plugin ids')
  }
  for (const hook of HOOKS) {
    if (manifest[hook] !== undefined && typeof manifest[hook] !== 'function') {
      problems.push(`"${hook}" must be a function`)
    }
  }
  const contributes = manifest.contributes
  if (contributes !== undefined) {
    if (!contributes || typeof contributes !== 'object') {
      problems.push('"contributes" must be an object')
    } else {
      for (const name of ['routes', 'webhooks'] as const) {
        if (contributes[name] !== undefined && typeof contributes[name] !== 'function') {
          problems.push(`"contributes.${name}" must be a function receiving the router`)
        }
      }
      for (const slot of Object.keys(contributes.slots ?? {})) {
        if (!(UI_SLOTS as readonly string[]).includes(slot)) {
          problems.push(`unknown UI slot "${slot}" (known: ${UI_SLOTS.join(', ')})`)
        }
      }
      for (const [name, field] of Object.entries<any>(contributes.settings ?? {})) {
        if (!field || typeof field.kind !== 'string' || !field.rule) {
          problems.push(
            `setting "${name}" must be built with setting.string(), setting.secret(), ...`
          )
        }
      }
      for (const item of contributes.navigation ?? []) {
        if (!item || typeof item.label !== 'string' || typeof item.path !== 'string') {
          problems.push('each navigation item needs a "label" and a "path"')
        }
      }
      if (contributes.feature !== undefined && typeof contributes.feature !== 'string') {
        problems.push('"contributes.feature" must be a string')
      }
    }
  }
  return problems
}

function failedRecord(
  id: string,
  reason: string,
  manifest?: Partial<PluginDefinition>
): PluginRecord {
  return {
    id,
    name: typeof manifest?.name === 'string' ? manifest.name : id,
    version: typeof manifest?.version === 'string' ? manifest.version : '?',
    description: typeof manifest?.description === 'string' ? manifest.description : null,
    host: typeof manifest?.host === 'string' ? manifest.host : null,
    dependsOn: Array.isArray(manifest?.dependsOn) ? manifest.dependsOn : [],
    status: 'failed',
    reason,
    definition: null,
    context: null,
    feature: `plugin:${id}`,
    settings: {},
    order: Number.MAX_SAFE_INTEGER,
  }
}

/**
 * Dependencies first; ties keep the config order. Plugins whose
 * dependencies are missing, failed or cyclic are returned in `blocked`.
 */
export function orderByDependencies(definitions: PluginDefinition[], failed: Set<string>) {
  const byId = new Map(definitions.map((definition) => [definition.id, definition]))
  const ordered: PluginDefinition[] = []
  const blocked = new Map<string, string>()
  const state = new Map<string, 'visiting' | 'done'>()

  function visit(definition: PluginDefinition, path: string[]): boolean {
    const id = definition.id
    if (state.get(id) === 'done') return !blocked.has(id)
    if (state.get(id) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(id)), id].join(' → ')
      for (const member of path.slice(path.indexOf(id))) {
        blocked.set(member, `dependency cycle: ${cycle}`)
      }
      return false
    }
    state.set(id, 'visiting')
    for (const dep of definition.dependsOn ?? []) {
      const target = byId.get(dep)
      let reason: string | null = null
      if (!target) {
        reason = failed.has(dep)
          ? `depends on "${dep}", which failed to load`
          : `depends on "${dep}", which is not installed (add it to config/plugins.ts)`
      } else if (!visit(target, [...path, id])) {
        reason = blocked.get(id) ?? `depends on "${dep}", which could not be loaded`
      }
      if (reason) {
        if (!blocked.has(id)) blocked.set(id, reason)
        state.set(id, 'done')
        return false
      }
    }
    state.set(id, 'done')
    if (blocked.has(id)) return false
    ordered.push(definition)
    return true
  }

  for (const definition of definitions) visit(definition, [])
  return { ordered, blocked }
}

function mergeTranslations(
  definition: PluginDefinition,
  translations: Record<string, Record<string, string>>
) {
  for (const [locale, messages] of Object.entries(definition.contributes?.translations ?? {})) {
    translations[locale] ??= {}
    for (const [key, value] of Object.entries(messages)) {
      translations[locale][`plugins.${definition.id}.${key}`] = value
    }
  }
}

async function runHook(record: PluginRecord, hook: (typeof HOOKS)[number]) {
  const fn = record.definition?.[hook] as PluginHook | undefined
  if (!fn || !record.context) return
  await fn(record.context)
}

/**
 * Import, validate, order and register. Replaces the registry's content.
 * `translations` (the i18n store, by locale) receives each plugin's
 * messages under `plugins.<id>.`.
 */
export async function loadPlugins(
  imports: PluginImports,
  options: {
    translations?: Record<string, Record<string, string>>
    /** Tests load fixture plugins into their own registry. */
    registry?: PluginRegistry
  } = {}
): Promise<PluginRecord[]> {
  const registry = options.registry ?? pluginRegistry
  registry.reset()
  const valid: PluginDefinition[] = []
  const failed = new Set<string>()

  for (const [key, importer] of Object.entries(imports)) {
    let value: unknown
    try {
      value = (await importer()).default
    } catch (error) {
      registry.set(failedRecord(key, `plugin.ts could not be imported: ${message(error)}`))
      failed.add(key)
      continue
    }
    const problems = validateManifest(key, value)
    const manifest = value as PluginDefinition
    if (problems.length) {
      registry.set(failedRecord(key, `invalid manifest: ${problems.join('; ')}`, manifest))
      failed.add(key)
      continue
    }
    if (!semver.satisfies(SDK_VERSION, manifest.host)) {
      registry.set(
        failedRecord(
          key,
          `needs SDK ${manifest.host}; this Parley provides SDK ${SDK_VERSION}`,
          manifest
        )
      )
      failed.add(key)
      continue
    }
    valid.push(manifest)
  }

  const { ordered, blocked } = orderByDependencies(valid, failed)
  for (const [id, reason] of blocked) {
    registry.set(
      failedRecord(
        id,
        reason,
        valid.find((definition) => definition.id === id)
      )
    )
    failed.add(id)
  }

  let order = 0
  for (const definition of ordered) {
    const blockedBy = (definition.dependsOn ?? []).find((dep) => failed.has(dep))
    if (blockedBy) {
      registry.set(
        failedRecord(definition.id, `depends on "${blockedBy}", which failed to load`, definition)
      )
      failed.add(definition.id)
      continue
    }
    const contributes = definition.contributes ?? {}
    const record: PluginRecord = {
      id: definition.id,
      name: definition.name,
      version: definition.version,
      description: definition.description ?? null,
      host: definition.host,
      dependsOn: definition.dependsOn ?? [],
      status: 'loaded',
      reason: null,
      definition,
      context: createPluginContext(definition),
      feature: contributes.feature ?? `plugin:${definition.id}`,
      settings: contributes.settings ?? {},
      order: order++,
    }
    registry.set(record)
    try {
      for (const driver of contributes.channelDrivers ?? [])
        channelDrivers.register(guardPluginDriver(definition.id, driver))
      for (const gateway of contributes.paymentGateways ?? [])
        paymentGateways.register(gateway, definition.id)
      for (const source of contributes.catalogSources ?? [])
        catalogSources.register(source, definition.id)
      for (const [event, listener] of Object.entries(contributes.listeners ?? {})) {
        emitter.on(
          event as never,
          guardedListener(definition.id, event as never, listener as never) as never
        )
      }
      for (const filter of contributes.outboundFilters ?? [])
        registry.addFilter(definition.id, filter)
      if (options.translations) mergeTranslations(definition, options.translations)
      await runHook(record, 'register')
    } catch (error) {
      registry.fail(definition.id, `register() failed: ${message(error)}`)
      failed.add(definition.id)
    }
  }

  for (const record of registry.all()) {
    if (record.status === 'failed') {
      logger.error({ plugin: record.id }, `plugin ${record.id} disabled: ${record.reason}`)
    }
  }
  return registry.all()
}

/**
 * Runs `boot` / `ready` of every loaded plugin in load order (`shutdown`
 * in reverse). A throwing boot disables the plugin; a throwing ready or
 * shutdown is logged. `skip` names plugins the super admin disabled.
 */
export async function runLifecycle(
  hook: 'boot' | 'ready' | 'shutdown',
  skip: Set<string> = new Set(),
  registry: PluginRegistry = pluginRegistry
) {
  const records = registry.loaded().filter((record) => !skip.has(record.id))
  if (hook === 'shutdown') records.reverse()
  for (const record of records) {
    try {
      await runHook(record, hook)
    } catch (error) {
      logger.error({ err: error, plugin: record.id }, `plugin ${record.id}: ${hook}() failed`)
      if (hook === 'boot') registry.fail(record.id, `boot() failed: ${message(error)}`)
    }
  }
}
