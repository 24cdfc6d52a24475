import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { ChannelSendError } from '#sdk/index'
import { registeredChannelDriver, setPluginEnabled } from '#sdk/testing'
import { qrRuntime } from '../src/runtime.js'
import { addNumber, freshRuntime, openSession, qrWorkspace } from './helpers.js'

/**
 * A plugin disabled on the platform by the super admin: its channel driver
 * stops working at once, without a restart, and works again once the
 * plugin is enabled.
 */
test.group('QR connector: disabled on the platform', (group) => {
  group.each.teardown(async () => {
    await setPluginEnabled('qr_baileys', true)
    await qrRuntime.reset()
  })

  test('the registered driver refuses work while the plugin is disabled, and works again once enabled', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    const row = await db.from('channels').where('id', channel.id).firstOrFail()
    const credentials = {
      phoneNumberId: row.phone_number_id,
      wabaId: null,
      accessToken: null,
      appSecret: null,
      extra: typeof row.settings === 'string' ? JSON.parse(row.settings) : row.settings,
    }
    const driver = await registeredChannelDriver('qr_baileys')
    const message = { to: '+15556660001', content: { type: 'text' as const, text: 'hello' } }
    await driver.send(credentials, message)
    assert.lengthOf(socket.sent, 1)

    // What Admin → Plugins → Disable does.
    await setPluginEnabled('qr_baileys', false)

    const refused = await driver.send(credentials, message).catch((error) => error)
    assert.instanceOf(refused, ChannelSendError)
    assert.equal(refused.action, 'give_up')
    assert.include(refused.message, 'qr_baileys')
    assert.include(refused.message, 'disabled')
    assert.lengthOf(socket.sent, 1)
    const upload = await driver
      .uploadMedia(credentials, {
        bytes: new Uint8Array([1]),
        mimeType: 'image/png',
        filename: 'a',
      })
      .catch((error) => error)
    assert.instanceOf(upload, ChannelSendError)
    const health = await driver.health(credentials)
    assert.equal(health.status, 'disconnected')
    assert.include(health.error!, 'disabled')
    await driver.markRead(credentials, 'anything')
    assert.lengthOf(socket.reads, 0)

    await setPluginEnabled('qr_baileys', true)
    await driver.send(credentials, message)
    assert.lengthOf(socket.sent, 2)
    assert.equal((await driver.health(credentials)).status, 'connected')
  })
})
