import { defineConfig } from '@adonisjs/inertia'
import type { HttpContext } from '@adonisjs/core/http'

/**
 * Data every page receives. Tenant-specific props (workspace, member,
 * permissions) are shared by the workspace middleware with `inertia.share`.
 */
const inertiaConfig = defineConfig({
  rootView: 'inertia_layout',
  entrypoint: 'resources/js/app.ts',
  sharedData: {
    /*
     * Sidebar items and UI slot components contributed by the plugins that
     * run for the current workspace (see docs/plugins.md).
     */
    pluginUi: async (ctx: HttpContext) => {
      const { pluginUi } = await import('#core/plugin_host/ui')
      const workspace = (ctx as Partial<HttpContext>).workspace
      if (workspace) return pluginUi(workspace.id)
      if (ctx.auth?.user?.isSuperAdmin && ctx.request.url().startsWith('/admin')) {
        return pluginUi(null)
      }
      return { nav: [], slots: {}, channel: null }
    },
    errors: (ctx: HttpContext) => ctx.session?.flashMessages.get('errors') ?? {},
    flash: (ctx: HttpContext) => ({
      success: ctx.session?.flashMessages.get('success') ?? null,
      error: ctx.session?.flashMessages.get('error') ?? null,
      connectionTest: ctx.session?.flashMessages.get('connectionTest') ?? null,
    }),
    user: (ctx: HttpContext) => {
      const user = ctx.auth?.user
      if (!user) return null
      return {
        id: user.publicId,
        email: user.email,
        fullName: user.fullName,
        locale: user.locale,
        isSuperAdmin: user.isSuperAdmin,
        emailVerified: user.emailVerifiedAt !== null,
      }
    },
  },
  ssr: { enabled: false },
})

export default inertiaConfig
