import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace hello:greet <name>`: a plugin-contributed ace command.
 */
export default class HelloGreet extends BaseCommand {
  static commandName = 'hello:greet'
  static description = 'Say hello (example command from the Hello plugin)'
  static options: CommandOptions = {}

  @args.string({ description: 'Who to greet' })
  declare name: string

  async run() {
    this.logger.info(`Hello, ${this.name.trim() || 'world'}!`)
  }
}
