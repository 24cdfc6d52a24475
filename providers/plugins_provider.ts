import type { ApplicationService } from '@adonisjs/core/types'

/**
 * The plugin loader. In `start()` (after the app provider loaded the
 * translations, before the routes file is imported) it loads the plugins
 * of config/plugins.ts and runs their `register` and `boot` hooks;
 * `ready()` and `shutdown()` run theirs. A plugin that fails is disabled
 * with a reason (Admin → Plugins, `node ace plugin:list`); Parley starts.
 */
export default class PluginsProvider {
  constructor(protected app: ApplicationService) {}

  async start() {
    const { default: plugins } = await import('#config/plugins')
    const { loadPlugins, runLifecycle } = await import('#core/plugin_host/loader')
    const i18n = await this.app.container.make('i18n')
    await loadPlugins(plugins, {
      translations: i18n.getTranslations() as Record<string, Record<string, string>>,
    })
    this.#disabled = await this.#disabledOnPlatform()
    await runLifecycle('boot', this.#disabled)
  }

  async ready() {
    const { runLifecycle } = await import('#core/plugin_host/loader')
    await runLifecycle('ready', this.#disabled)
  }

  /**
   * No database reads here: the database provider may already be closed.
   */
  async shutdown() {
    const { runLifecycle } = await import('#core/plugin_host/loader')
    await runLifecycle('shutdown', this.#disabled)
  }

  #disabled = new Set<string>()

  /**
   * Plugins the super admin disabled skip their lifecycle hooks. Before
   * the first migration there is no state table: nothing is disabled.
   */
  async #disabledOnPlatform(): Promise<Set<string>> {
    try {
      const { platformState } = await import('#core/plugin_host/state')
      return new Set((await platformState()).keys())
    } catch {
      return new Set()
    }
  }
}
