import { connectorContract } from '#sdk/testing'
import { ChannelSendError } from '#sdk/channels'
import { SandboxDriver, SandboxOutbox } from '#channels/drivers/sandbox_driver'

/**
 * The SDK's connector contract suite, run against the built-in sandbox
 * driver: the same call a channel driver plugin makes in its own tests.
 */
const outbox = new SandboxOutbox()
const credentials = {
  phoneNumberId: 'contract-sandbox',
  wabaId: null,
  accessToken: null,
  appSecret: null,
  extra: {},
}

connectorContract('sandbox', {
  driver: () => new SandboxDriver(outbox),
  credentials: () => credentials,
  recipient: '+15550001234',
  failNextSend: (kind) =>
    outbox.failNext(
      'contract-sandbox',
      kind === 'transient'
        ? new ChannelSendError('Simulated outage', 131000, 'retry')
        : new ChannelSendError('Simulated rejection', 131026, 'give_up')
    ),
})
