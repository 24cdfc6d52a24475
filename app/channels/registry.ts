import { Exception } from '@adonisjs/core/exceptions'
import type { ChannelDriver } from '#channels/driver'
import { MetaCloudDriver } from '#channels/drivers/meta_cloud_driver'
import { SandboxDriver } from '#channels/drivers/sandbox_driver'

/**
 * A channel's `driver` column names no registered driver (e.g. the plugin
 * that provided it was removed).
 */
export class UnknownChannelDriverException extends Exception {
  static status = 500
  static code = 'E_UNKNOWN_CHANNEL_DRIVER'
}

/**
 * Channel drivers by name. Core registers `meta_cloud` and `sandbox` at
 * import; plugins add theirs. A name is registered once: replacing one
 * (tests only) must be asked for explicitly.
 */
export class ChannelDriverRegistry {
  #drivers = new Map<string, ChannelDriver>()

  register(driver: ChannelDriver, options: { replace?: boolean } = {}): this {
    if (!driver.name) throw new Error('A channel driver needs a name.')
    if (this.#drivers.has(driver.name) && !options.replace) {
      throw new Error(`A channel driver named "${driver.name}" is already registered.`)
    }
    this.#drivers.set(driver.name, driver)
    return this
  }

  get(name: string): ChannelDriver {
    const driver = this.#drivers.get(name)
    if (!driver) {
      const known = this.names()
      throw new UnknownChannelDriverException(
        `Unknown channel driver "${name}". Registered drivers: ${known.length ? known.join(', ') : 'none'}.`
      )
    }
    return driver
  }

  has(name: string): boolean {
    return this.#drivers.has(name)
  }

  names(): string[] {
    return [...this.#drivers.keys()]
  }
}

export const channelDrivers = new ChannelDriverRegistry()
  .register(new MetaCloudDriver())
  .register(new SandboxDriver())
