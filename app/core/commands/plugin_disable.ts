import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace plugin:disable <id> [--reason="..."]`: its routes answer 404
 * and its listeners and filters stop, in every workspace. Data is kept.
 */
export default class PluginDisable extends BaseCommand {
  static commandName = 'plugin:disable'
  static description = 'Disable an installed plugin on the platform (data is kept)'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Plugin id' })
  declare id: string

  @flags.string({ description: 'Why (shown in Admin → Plugins)' })
  declare reason?: string

  async run() {
    const { pluginRegistry } = await import('#core/plugin_host/registry')
    if (!pluginRegistry.get(this.id)) {
      this.logger.error(`No plugin "${this.id}" in config/plugins.ts`)
      this.exitCode = 1
      return
    }
    const { setEnabledOnPlatform } = await import('#core/plugin_host/state')
    const { audit } = await import('#core/services/audit')
    const reason = this.reason?.trim().slice(0, 255) || null
    await setEnabledOnPlatform(this.id, false, { reason })
    await audit({
      action: 'plugin.disabled',
      target: { type: 'plugin', id: this.id },
      after: { reason },
    })
    this.logger.success(`Disabled plugin "${this.id}"`)
  }
}
