import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace plugin:enable <id>`: enable a plugin on the platform again
 * (its routes answer, its listeners and filters run). Audited.
 */
export default class PluginEnable extends BaseCommand {
  static commandName = 'plugin:enable'
  static description = 'Enable an installed plugin on the platform'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Plugin id' })
  declare id: string

  async run() {
    const { pluginRegistry } = await import('#core/plugin_host/registry')
    const record = pluginRegistry.get(this.id)
    if (!record) return this.fail(`No plugin "${this.id}" in config/plugins.ts`)
    if (record.status === 'failed') {
      return this.fail(`Plugin "${this.id}" cannot be enabled: ${record.reason}`)
    }
    const { setEnabledOnPlatform } = await import('#core/plugin_host/state')
    const { audit } = await import('#core/services/audit')
    await setEnabledOnPlatform(this.id, true)
    await audit({ action: 'plugin.enabled', target: { type: 'plugin', id: this.id } })
    this.logger.success(`Enabled plugin "${this.id}"`)
  }

  private fail(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}
