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
