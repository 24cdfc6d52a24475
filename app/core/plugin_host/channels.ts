import Channel from '#channels/models/channel'
import Workspace from '#core/models/workspace'
import type { PlanLimit } from '#core/models/plan'
import { provisionPluginChannel } from '#channels/provisioning'
import { channelDrivers } from '#channels/registry'
import { quota } from '#core/services/quota'
import { audit } from '#core/services/audit'
import { tenancy } from '#core/tenancy/context'
import type { PluginChannel, PluginChannelInput, PluginChannelLimit } from '#sdk/plugin'
import { ChannelSendError, type ChannelDriver } from '#channels/driver'
import { isEnabledOnPlatform } from '#core/plugin_host/state'

/**
 * Channels created by plugins (`ctx.channels.create`): the host owns
 * tenancy, quotas, provisioning and the audit row; the plugin only names
 * its driver and what goes in the channel's settings.
 */

/** Driver name → the extra plan limit its channels count against. */
const driverLimits = new Map<string, { pluginId: string; limit: PluginChannelLimit }>()
/** Driver name → the plugin that registered it (only those may create its channels). */
const driverOwners = new Map<string, string>()

export function registerPluginDriver(
  pluginId: string,
  driver: string,
  limit: PluginChannelLimit | undefined
) {
  driverOwners.set(driver, pluginId)
  if (limit) driverLimits.set(driver, { pluginId, limit })
}

/**
 * What the channel registry holds for a plugin's driver: the driver behind
 * a check of the plugin's platform state (cached a few seconds per
 * process). While the super admin has the plugin disabled, in every
 * process and without a restart, sends and media calls fail with
 * `give_up` and the reason, read receipts and typing do nothing, and
 * health reports `disconnected`; enabling it again restores the driver.
 */
export function guardPluginDriver(pluginId: string, driver: ChannelDriver): ChannelDriver {
  const reason = () =>
    `The plugin "${pluginId}" that provides channel driver "${driver.name}" is disabled on this platform.`
  const enabled = () => isEnabledOnPlatform(pluginId)
  const refuse = async () => {
    if (!(await enabled())) throw new ChannelSendError(reason(), null, 'give_up')
  }
  return {
    name: driver.name,
    async send(credentials, message) {
      await refuse()
      return driver.send(credentials, message)
    },
    async markRead(credentials, providerMessageId) {
      if (await enabled()) await driver.markRead(credentials, providerMessageId)
    },
    async typing(credentials, providerMessageId) {
      if (await enabled()) await driver.typing(credentials, providerMessageId)
    },
    async uploadMedia(credentials, file) {
      await refuse()
      return driver.uploadMedia(credentials, file)
    },
    async downloadMedia(credentials, mediaId) {
      await refuse()
      return driver.downloadMedia(credentials, mediaId)
    },
    async health(credentials) {
      if (await enabled()) return driver.health(credentials)
      return {
        status: 'disconnected',
        displayPhoneNumber: null,
        verifiedName: null,
        qualityRating: null,
        messagingLimit: null,
        error: reason(),
      }
    },
  }
}

function driversCountingAgainst(limit: PlanLimit): string[] {
  return [...driverLimits.entries()]
    .filter(([, entry]) => entry.limit === limit)
    .map(([driver]) => driver)
}

// Usage of `qr_channels`: channels of the current workspace whose driver
// registered with `planLimit: 'qr_channels'`.
quota.registerUsage('qr_channels', async () => {
  const drivers = driversCountingAgainst('qr_channels')
  if (!drivers.length) return 0
  const [row] = await Channel.query().whereIn('driver', drivers).count('* as total')
  return Number(row.$extras.total)
})

export function toPluginChannel(channel: Channel): PluginChannel {
  return {
    id: channel.id,
    publicId: channel.publicId,
    workspaceId: channel.workspaceId,
    name: channel.name,
    driver: channel.driver,
    status: channel.status,
  }
}

export class PluginChannelDriverException extends Error {}

export async function createPluginChannel(
  pluginId: string,
  input: PluginChannelInput
): Promise<PluginChannel> {
  if (!channelDrivers.has(input.driver)) {
    throw new PluginChannelDriverException(
      `Plugin "${pluginId}": channel driver "${input.driver}" is not registered`
    )
  }
  const owner = driverOwners.get(input.driver) ?? 'core'
  if (owner !== pluginId) {
    throw new PluginChannelDriverException(
      `Plugin "${pluginId}" may not create channels of driver "${input.driver}" (registered by "${owner}")`
    )
  }
  const name = input.name.trim().slice(0, 120)
  if (!name) throw new PluginChannelDriverException('A channel needs a name')

  const workspace = await Workspace.query()
    .where('id', input.workspaceId)
    .preload('plan')
    .firstOrFail()
  await quota.assertWithinLimit(workspace, 'channels', 1)
  const extraLimit = driverLimits.get(input.driver)?.limit
  if (extraLimit) await quota.assertWithinLimit(workspace, extraLimit, 1)

  return tenancy.run(workspace.id, async () => {
    const channel = await provisionPluginChannel({
      driver: input.driver,
      name,
      displayPhoneNumber: input.displayPhoneNumber ?? null,
      settings: input.settings ?? {},
      status: input.status ?? 'disconnected',
    })
    await audit({
      action: 'channel.connected',
      workspaceId: workspace.id,
      target: { type: 'channel', id: channel.publicId },
      after: { name: channel.name, driver: channel.driver, plugin: pluginId },
    })
    return toPluginChannel(channel)
  })
}

export async function findPluginChannel(
  workspaceId: number,
  publicId: string
): Promise<PluginChannel | null> {
  return tenancy.run(workspaceId, async () => {
    const channel = await Channel.findBy('public_id', publicId)
    return channel ? toPluginChannel(channel) : null
  })
}
