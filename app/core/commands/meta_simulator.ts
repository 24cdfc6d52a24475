import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace meta:simulator [--port=] [--webhook=] [--app-secret=] [--mps=]`
 *
 * Runs the bundled Meta WhatsApp Cloud API simulator until stopped and
 * prints the env lines that point Parley at it (docs/meta-simulator.md).
 */
export default class MetaSimulatorCommand extends BaseCommand {
  static commandName = 'meta:simulator'
  static description = 'Run the Meta WhatsApp Cloud API simulator (tests, benchmarks, demo mode)'
  static options: CommandOptions = { startApp: false, staysAlive: true }

  @flags.number({
    description: 'Port to listen on (default META_SIMULATOR_PORT or 4400; 0 = random)',
  })
  declare port?: number

  @flags.string({
    description: 'Interface to listen on (default 127.0.0.1; 0.0.0.0 in containers)',
  })
  declare host?: string

  @flags.string({ description: 'Webhook URL the simulator POSTs events to' })
  declare webhook?: string

  @flags.string({ description: 'App secret that signs webhooks (default META_APP_SECRET)' })
  declare appSecret?: string

  @flags.number({ description: 'Per-number send rate before error 130429 (default 80)' })
  declare mps?: number

  @flags.array({ description: 'Accepted access token (repeatable; default: any non-empty token)' })
  declare token?: string[]

  @flags.boolean({
    description: 'Post sent/delivered/read status webhooks after each send',
    default: true,
    showNegatedVariantInHelp: true,
  })
  declare autoStatuses?: boolean

  @flags.boolean({ description: 'Fail free-form sends outside the 24 h window with 131047' })
  declare enforceWindow?: boolean

  async run() {
    const { createMetaSimulator } = await import('#channels/simulator/index')

    const envPort = Number(process.env.META_SIMULATOR_PORT)
    const port = this.port ?? (Number.isInteger(envPort) && envPort >= 0 ? envPort : 4400)
    const appSecret = this.appSecret ?? process.env.META_APP_SECRET
    const apiVersion = process.env.META_API_VERSION || 'v24.0'

    const simulator = createMetaSimulator({
      port,
      host: this.host,
      apiVersion,
      webhookUrl: this.webhook,
      appSecret,
      appId: process.env.META_APP_ID || undefined,
      accessTokens: this.token ?? [],
      mps: this.mps,
      autoStatuses: this.autoStatuses !== false,
      enforceWindow: this.enforceWindow ?? false,
    })

    let url: string
    try {
      ;({ url } = await simulator.start())
    } catch (error) {
      this.logger.error(`Could not start the simulator: ${(error as Error).message}`)
      this.exitCode = 1
      this.app.terminate()
      return
    }
    this.app.terminating(() => simulator.stop())

    const [number] = simulator.state.numbers.values()
    this.logger.success(`Meta Cloud API simulator listening on ${url} (${apiVersion})`)
    if (number) {
      this.logger.info(
        `Phone number id ${number.phoneNumberId}, WABA ${number.wabaId}, ${number.displayPhoneNumber}`
      )
    }
    if (!this.webhook) {
      this.logger.warning('No --webhook: webhooks are built and recorded but not posted')
    }
    if (!appSecret) this.logger.warning('No app secret: webhooks are not signed')
    this.logger.log('')
    this.logger.log('Point Parley at it with:')
    this.logger.log(`META_GRAPH_URL=${url}`)
    this.logger.log(`META_API_VERSION=${apiVersion}`)
    if (appSecret) this.logger.log(`META_APP_SECRET=${appSecret}`)
    this.logger.log('')
    this.logger.log('Press Ctrl+C to stop.')
  }
}
