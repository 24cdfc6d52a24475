import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace plugin:list [--json]`: every plugin of config/plugins.ts, its
 * load status (with the reason when it failed) and platform state.
 */
export default class PluginList extends BaseCommand {
  static commandName = 'plugin:list'
  static description = 'List installed plugins, their load status and platform state'
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Print JSON instead of a table' })
  declare json?: boolean

  async run() {
    const { pluginRegistry } = await import('#core/plugin_host/registry')
    const { platformState } = await import('#core/plugin_host/state')
    const disabled = await platformState()
    const list = pluginRegistry.all().map((record) => ({
      id: record.id,
      name: record.name,
      version: record.version,
      host: record.host,
      status:
        record.status === 'failed' ? 'failed' : disabled.has(record.id) ? 'disabled' : 'enabled',
      reason: record.status === 'failed' ? record.reason : (disabled.get(record.id) ?? null),
      dependsOn: record.dependsOn,
    }))
    if (this.json) {
      this.logger.log(JSON.stringify(list, null, 2))
      return
    }
    if (!list.length) {
      this.logger.info('No plugins installed (config/plugins.ts is empty)')
      return
    }
    const table = this.ui.table().head(['Id', 'Name', 'Version', 'Host', 'Status', 'Reason'])
    for (const item of list) {
      table.row([item.id, item.name, item.version, item.host ?? '', item.status, item.reason ?? ''])
    }
    table.render()
  }
}
