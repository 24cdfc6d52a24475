import logger from '@adonisjs/core/services/logger'
import emitter from '@adonisjs/core/services/emitter'
import encryption from '@adonisjs/core/services/encryption'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { tenancy } from '#core/tenancy/context'
import { pluginRegistry } from '#core/plugin_host/registry'
import { activeWorkspaceIds, isActiveFor, isEnabledOnPlatform } from '#core/plugin_host/state'
import { readSettings, updateSettings } from '#core/plugin_host/settings'
import { broadcast } from '#core/realtime'
import { catalogSources, paymentGateways } from '#sdk/ports'
import { channelDrivers } from '#channels/registry'
import { SDK_VERSION } from '#sdk/version'
import app from '@adonisjs/core/services/app'
import env from '#start/env'
import { guardPluginDriver, registerPluginDriver } from '#core/plugin_host/channels'
import { leaseStore } from '#core/plugin_host/locks'
import type {
  CoreEventName,
  PluginProcessRole,
  PluginContext,
  PluginDatabase,
  PluginDefinition,
  PluginListener,
} from '#sdk/plugin'

/**
 * Builds the narrow context a plugin gets in its hooks, routes, listeners
 * and filters. This file is the plugin host's composition root: it may
 * call into any domain, lazily, so that importing it has no side effects.
 */

export class PluginTableAccessError extends Error {}

/** `<id>_...` (an alias after the name is allowed: "hello_notes as n"). */
export function assertOwnTable(pluginId: string, table: string) {
  const name = table.trim().split(/\s+/)[0] ?? ''
  if (!name.startsWith(`${pluginId}_`)) {
    throw new PluginTableAccessError(
      `Plugin "${pluginId}" may only use its own tables (prefixed "${pluginId}_"); "${name}" is not one.`
    )
  }
}

function pluginDatabase(pluginId: string, client: QueryClientContract): PluginDatabase {
  const database: PluginDatabase = {
    from(table) {
      assertOwnTable(pluginId, table)
      return client.from(table)
    },
    table(table) {
      assertOwnTable(pluginId, table)
      return client.table(table)
    },
    tenant(table) {
      assertOwnTable(pluginId, table)
      return client
        .from(table)
        .where(`${table.trim().split(/\s+/).at(-1)}.workspace_id`, tenancy.workspaceId())
    },
    async transaction(callback) {
      if (client.isTransaction) return callback(database)
      return db.transaction((trx) => callback(pluginDatabase(pluginId, trx)))
    },
  }
  return database
}

/**
 * Wraps a listener: it runs only when the plugin is enabled (and active
 * in the event's workspace, when the event names one); an error is logged
 * with the plugin id and never reaches the code that emitted the event.
 */
export function guardedListener<E extends CoreEventName>(
  pluginId: string,
  event: E,
  listener: PluginListener<E>
) {
  return async (payload: unknown) => {
    try {
      const workspaceId = (payload as { workspaceId?: unknown } | null)?.workspaceId
      const runs =
        typeof workspaceId === 'number'
          ? await isActiveFor(pluginId, workspaceId)
          : await isEnabledOnPlatform(pluginId)
      if (!runs) return
      const context = pluginRegistry.get(pluginId)?.context
      if (!context) return
      await listener(payload as never, context)
    } catch (error) {
      logger.error(
        { err: error, plugin: pluginId, event },
        `plugin ${pluginId}: listener for ${event} failed`
      )
    }
  }
}

export class PluginStoragePathError extends Error {}

/** `plugins/<id>/<path>` on the drive disk; refuses absolute paths and `..`. */
export function pluginStoragePath(pluginId: string, path: string) {
  const segments = path.split('/')
  if (
    !path ||
    path.length > 400 ||
    path.startsWith('/') ||
    segments.some((segment) => !segment || segment === '.' || segment === '..') ||
    !/^[\w./-]+$/.test(path)
  ) {
    throw new PluginStoragePathError(
      `Plugin "${pluginId}": storage path "${path}" must be relative, without "..", made of letters, digits, "_", "-", "." and "/"`
    )
  }
  return `plugins/${pluginId}/${path}`
}

/** What kind of process this is, for plugins deciding where sockets live. */
export function processRole(): PluginProcessRole {
  const environment = app.getEnvironment()
  if (environment === 'test') return 'test'
  if (environment === 'web') return 'web'
  return process.argv.includes('queue:work') ? 'worker' : 'console'
}

/** `node ace queue:work`, or `node ace serve` with its in-process worker. */
export function processRunsJobs(): boolean {
  const role = processRole()
  if (role === 'worker') return true
  return role === 'web' && !app.inProduction && env.get('QUEUE_IN_PROCESS') !== false
}

export function createPluginContext(definition: PluginDefinition): PluginContext {
  const id = definition.id
  const pluginLogger = logger.child({ plugin: id })
  const purpose = `plugin:${id}`

  return {
    plugin: { id, name: definition.name, version: definition.version },
    sdkVersion: SDK_VERSION,
    logger: pluginLogger,
    encryption: {
      encrypt: (value, ownPurpose) => encryption.encrypt(value, undefined, ownPurpose ?? purpose),
      decrypt: <T>(value: string, ownPurpose?: string) =>
        encryption.decrypt<T>(value, ownPurpose ?? purpose),
    },
    events: {
      on(event, listener) {
        emitter.on(event, guardedListener(id, event, listener) as never)
      },
      async emit(name, payload) {
        await emitter.emit(`${id}:${name}` as never, payload as never)
      },
    },
    settings: {
      get: <T>(workspaceId: number) => readSettings<T>(id, workspaceId),
      update: (workspaceId, values) => updateSettings(id, workspaceId, values),
    },
    inbox: {
      async ingest(input) {
        const { ingestInbound } = await import('#core/plugin_host/bridges')
        return ingestInbound(input)
      },
    },
    contacts: {
      async upsert(input) {
        const { upsertContact } = await import('#core/plugin_host/bridges')
        return upsertContact(input)
      },
    },
    storage: {
      async put(path, bytes) {
        await drive.use().put(pluginStoragePath(id, path), bytes)
      },
      async get(path) {
        const key = pluginStoragePath(id, path)
        if (!(await drive.use().exists(key))) return null
        return drive.use().getBytes(key)
      },
      async delete(path) {
        await drive.use().delete(pluginStoragePath(id, path))
      },
    },
    realtime: {
      broadcast: (workspaceId, path, payload) => broadcast(workspaceId, path, payload),
    },
    db: pluginDatabase(id, db.connection()),
    channels: {
      register(driver, options) {
        channelDrivers.register(guardPluginDriver(id, driver))
        registerPluginDriver(id, driver.name, options?.planLimit)
      },
      async create(input) {
        const { createPluginChannel } = await import('#core/plugin_host/channels')
        return createPluginChannel(id, input)
      },
      async find(workspaceId, publicId) {
        const { findPluginChannel } = await import('#core/plugin_host/channels')
        return findPluginChannel(workspaceId, publicId)
      },
      async list(driver) {
        const { listChannels } = await import('#core/plugin_host/bridges')
        return listChannels(id, driver)
      },
      async setStatus(workspaceId, channelId, status, error) {
        const { setChannelStatus } = await import('#core/plugin_host/bridges')
        return setChannelStatus(workspaceId, channelId, status, error ?? null)
      },
    },
    notifications: {
      async notifyAdmins(workspaceId, notification) {
        const { notifyWorkspaceAdmins } = await import('#core/plugin_host/bridges')
        return notifyWorkspaceAdmins(id, workspaceId, notification)
      },
    },
    locks: {
      acquire: async (key, owner, ttlMs) =>
        (await leaseStore()).acquire(`plugin:${id}:${key}`, owner, ttlMs),
      release: async (key, owner) => (await leaseStore()).release(`plugin:${id}:${key}`, owner),
    },
    runtime: {
      get role() {
        return processRole()
      },
      runsJobs: () => processRunsJobs(),
    },
    payments: { register: (gateway) => void paymentGateways.register(gateway, id) },
    catalogs: { register: (source) => void catalogSources.register(source, id) },
    outbound: { filter: (filter) => pluginRegistry.addFilter(id, filter) },
    workspaces: {
      isActive: (workspaceId) => isActiveFor(id, workspaceId),
      activeIds: () => activeWorkspaceIds(id),
    },
    tenant: {
      run: (workspaceId, callback) => tenancy.run(workspaceId, callback) as never,
      current: () => {
        const context = tenancy.current()
        return context && !context.crossTenantReason ? context.workspaceId : null
      },
    },
  }
}
