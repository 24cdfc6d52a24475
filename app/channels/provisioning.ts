import { randomBytes } from 'node:crypto'
import { ulid } from 'ulidx'
import Channel from '#channels/models/channel'

export function newWebhookKey() {
  return randomBytes(16).toString('hex')
}

/**
 * Every workspace starts with a sandbox number: a simulated WhatsApp
 * channel for trying the inbox (and later flows) without Meta.
 */
export async function provisionSandboxChannel() {
  await Channel.create({
    driver: 'sandbox',
    // Unique per sandbox: keys the driver's outbox so workspaces never share one.
    phoneNumberId: `sandbox:${ulid()}`,
    name: 'Sandbox',
    displayPhoneNumber: '+1 555 0100',
    webhookKey: newWebhookKey(),
    status: 'connected',
    settings: {},
  })
}

/**
 * A channel whose driver comes from a plugin (QR numbers...). Runs in the
 * workspace's tenant context; the caller checked the plan's limits.
 * `phoneNumberId` gets a unique `<driver>:…` key the driver finds its
 * session by (a plugin channel has no Meta phone number id): the plugin's
 * `settings.sessionKey` when it starts with `<driver>:`, else a new ULID.
 */
export async function provisionPluginChannel(input: {
  driver: string
  name: string
  displayPhoneNumber: string | null
  settings: Record<string, unknown>
  status: 'connected' | 'degraded' | 'disconnected'
}) {
  const given = input.settings.sessionKey
  const sessionKey =
    typeof given === 'string' && given.startsWith(`${input.driver}:`) && given.length <= 191
      ? given
      : `${input.driver}:${ulid()}`
  return Channel.create({
    driver: input.driver,
    phoneNumberId: sessionKey,
    name: input.name,
    displayPhoneNumber: input.displayPhoneNumber,
    webhookKey: newWebhookKey(),
    status: input.status,
    settings: { ...input.settings, sessionKey },
  })
}
