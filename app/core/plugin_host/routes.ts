/*
| Plugin routes: realtime (Transmit), Admin → Plugins, Settings → Plugins,
| and every loaded plugin's own routes. Imported by app/core/routes.ts,
| after the plugins provider loaded the plugins.
|
| Per-plugin URLs carry the plugin id as a literal segment, not a route
| parameter: a plugin id is the same in every workspace, not a tenant
| identifier (the cross-tenant sweep covers them through :workspace).
*/
import router from '@adonisjs/core/services/router'
import transmit from '@adonisjs/transmit/services/main'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { middleware } from '#start/kernel'
import { pluginRegistry, type PluginRecord } from '#core/plugin_host/registry'
import {
  isActiveFor,
  isEnabledOnPlatform,
  PluginNotAvailableException,
} from '#core/plugin_host/state'
import { authorizeRealtimeChannels } from '#core/realtime'
import type { PluginRouteHandler, PluginRouter } from '#sdk/plugin'

const AdminPluginsController = () =>
  import('#core/plugin_host/controllers/admin_plugins_controller')
const WorkspacePluginsController = () =>
  import('#core/plugin_host/controllers/workspace_plugins_controller')

async function controller<T>(loader: () => Promise<{ default: new () => T }>): Promise<T> {
  const { default: Controller } = await loader()
  return new Controller()
}

/*
| Realtime: GET /__transmit/events, POST /__transmit/subscribe|unsubscribe.
| Channels `workspaces/:id/...` are for that workspace's members only.
*/
transmit.registerRoutes()
authorizeRealtimeChannels()

/*
| Platform admin
*/
router
  .get('/admin/plugins', async (ctx) => (await controller(AdminPluginsController)).index(ctx))
  .as('admin.plugins')
  .use([middleware.auth(), middleware.superAdmin()])

router
  .get('/w/:workspace/settings/plugins', async (ctx) =>
    (await controller(WorkspacePluginsController)).index(ctx)
  )
  .as('settings.plugins')
  .use([middleware.auth(), middleware.workspace()])

/** 404 unless the plugin runs for the request's workspace. */
function activeFor(pluginId: string) {
  return async (ctx: HttpContext, next: NextFn) => {
    if (!(await isActiveFor(pluginId, ctx.workspace.id))) {
      throw new PluginNotAvailableException('Not found')
    }
    return next()
  }
}

/** 404 unless the plugin is loaded and enabled on the platform. */
function enabled(pluginId: string) {
  return async (_ctx: HttpContext, next: NextFn) => {
    if (!(await isEnabledOnPlatform(pluginId))) {
      throw new PluginNotAvailableException('Not found')
    }
    return next()
  }
}

function pluginRouter(record: PluginRecord): PluginRouter {
  const wrap = (handler: PluginRouteHandler) => (http: HttpContext) =>
    handler(http, record.context!)
  const path = (value: string) => (value === '' || value === '/' ? '/' : value)
  return {
    get: (value, handler) => void router.get(path(value), wrap(handler)),
    post: (value, handler) => void router.post(path(value), wrap(handler)),
    put: (value, handler) => void router.put(path(value), wrap(handler)),
    patch: (value, handler) => void router.patch(path(value), wrap(handler)),
    delete: (value, handler) => void router.delete(path(value), wrap(handler)),
    page: (value, page, props) =>
      void router.get(path(value), async (http: HttpContext) =>
        http.inertia.render(
          `plugins/${record.id}/${page}`,
          props ? await props(http, record.context!) : {}
        )
      ),
  }
}

for (const record of pluginRegistry.loaded()) {
  const id = record.id
  const contributes = record.definition?.contributes ?? {}

  router
    .group(() => {
      router.post(`/admin/plugins/${id}/enable`, async (ctx) =>
        (await controller(AdminPluginsController)).enable(ctx, id)
      )
      router.post(`/admin/plugins/${id}/disable`, async (ctx) =>
        (await controller(AdminPluginsController)).disable(ctx, id)
      )
      router.put(`/admin/plugins/${id}/plans`, async (ctx) =>
        (await controller(AdminPluginsController)).plans(ctx, id)
      )
    })
    .use([middleware.auth(), middleware.superAdmin()])

  router
    .group(() => {
      router.post(`/settings/plugins/${id}/activate`, async (ctx) =>
        (await controller(WorkspacePluginsController)).activate(ctx, id)
      )
      router.post(`/settings/plugins/${id}/deactivate`, async (ctx) =>
        (await controller(WorkspacePluginsController)).deactivate(ctx, id)
      )
      if (Object.keys(record.settings).length) {
        router.get(`/settings/plugins/${id}`, async (ctx) =>
          (await controller(WorkspacePluginsController)).edit(ctx, id)
        )
        router.put(`/settings/plugins/${id}`, async (ctx) =>
          (await controller(WorkspacePluginsController)).update(ctx, id)
        )
      }
    })
    .prefix('/w/:workspace')
    .use([middleware.auth(), middleware.workspace(), enabled(id)])

  try {
    if (contributes.routes) {
      router
        .group(() => contributes.routes!(pluginRouter(record)))
        .prefix(`/w/:workspace/p/${id}`)
        .use([middleware.auth(), middleware.workspace(), activeFor(id)])
    }
    if (contributes.webhooks) {
      router
        .group(() => contributes.webhooks!(pluginRouter(record)))
        .prefix(`/hooks/${id}`)
        .use(enabled(id))
    }
  } catch (error) {
    pluginRegistry.fail(
      id,
      `routes could not be registered: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}
