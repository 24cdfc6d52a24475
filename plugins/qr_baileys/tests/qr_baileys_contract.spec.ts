import { test } from '@japa/runner'
import { connectorContract } from '#sdk/testing'
import { QrDriver } from '../src/driver.js'
import { qrRuntime } from '../src/runtime.js'
import { freshRuntime, qrWorkspace, openSession } from './helpers.js'
import type { FakeSocket } from './fake_socket.js'
import db from '@adonisjs/lucid/services/db'

/**
 * The SDK's connector contract, against the QR driver with a connected
 * fake socket (set up once by the first group below).
 */
let credentials: any = null
let socket: FakeSocket | null = null

test.group('QR connector: contract set-up', () => {
  test('a connected QR number for the contract suite', async ({ client, assert }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { addNumber } = await import('./helpers.js')
    const { channel } = await addNumber(client, workspace, 'Contract phone')
    socket = await openSession(fake, manager, channel.id)
    const row = await db.from('channels').where('id', channel.id).first()
    credentials = {
      phoneNumberId: row.phone_number_id,
      wabaId: null,
      accessToken: null,
      appSecret: null,
      extra: typeof row.settings === 'string' ? JSON.parse(row.settings) : row.settings,
    }
    assert.equal(row.status, 'connected')
  })
})

connectorContract('qr_baileys', {
  driver: () => new QrDriver(),
  credentials: () => credentials,
  recipient: '+15550001234',
  invalidRecipient: '',
  templates: false,
  media: true,
  failNextSend: (kind) => socket!.failNext(kind === 'transient' ? 'timeout' : 'forbidden'),
})

test.group('QR connector: contract tear-down', () => {
  test('the contract session is closed', async ({ assert }) => {
    await qrRuntime.reset()
    assert.isNull(qrRuntime.manager().bySessionKey(credentials.extra.sessionKey))
  })
})
