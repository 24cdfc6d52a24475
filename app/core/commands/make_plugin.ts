import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace make:plugin <id> [--name="..."]`: scaffolds plugins/<id>
 * (manifest, route, page, migration, test, README) and lists it in
 * config/plugins.ts. Then: `node ace migration:run`, restart, activate.
 */
export default class MakePlugin extends BaseCommand {
  static commandName = 'make:plugin'
  static description = 'Scaffold a Parley plugin and register it in config/plugins.ts'
  static help = ['node ace make:plugin loyalty --name="Loyalty points"']
  static options: CommandOptions = {}

  @args.string({
    description: 'Plugin id (lower case, digits, underscores; also the table prefix)',
  })
  declare id: string

  @flags.string({ description: 'Display name (defaults to the id in title case)' })
  declare name?: string

  async run() {
    const { scaffoldPlugin, ScaffoldError } = await import('#core/plugin_host/scaffold')
    try {
      const files = await scaffoldPlugin(this.app.makePath(), this.id.trim(), this.name?.trim())
      for (const file of files) {
        const verb = file.startsWith('config/') ? 'update' : 'create'
        this.logger.action(`${verb} ${file}`).succeeded()
      }
      this.logger.info(
        `Next: node ace migration:run, restart Parley, then allow "${this.id}" on a plan in Admin → Plugins and activate it in Settings → Plugins.`
      )
    } catch (error) {
      if (!(error instanceof ScaffoldError)) throw error
      this.logger.error(error.message)
      this.exitCode = 1
    }
  }
}
