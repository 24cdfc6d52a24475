import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { ChannelSendError } from '#sdk/index'
import { createTestWorkspace, pluginContext } from '#sdk/testing'
import { qrRuntime } from '../src/runtime.js'
import { QrDriver } from '../src/driver.js'
import { SessionManager } from '../src/manager.js'
import { fakeFactory, incoming, waitFor } from './fake_socket.js'
import {
  addNumber,
  freshRuntime,
  openSession,
  qrWorkspace,
  sessionRow,
  TEST_MANAGER,
} from './helpers.js'

const credentialsOf = async (channelId: number) => {
  const row = await db.from('channels').where('id', channelId).first()
  return {
    phoneNumberId: row.phone_number_id,
    wabaId: null,
    accessToken: null,
    appSecret: null,
    extra: typeof row.settings === 'string' ? JSON.parse(row.settings) : row.settings,
  }
}

const messagesOf = (channelId: number) =>
  db
    .from('messages')
    .join('conversations', 'conversations.id', 'messages.conversation_id')
    .where('conversations.channel_id', channelId)
    .select('messages.*', 'conversations.contact_id')

async function sendError(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    if (error instanceof ChannelSendError) return error
    throw error
  }
  throw new Error('expected a ChannelSendError')
}

test.group('QR connector: numbers and the connect flow', (group) => {
  group.each.teardown(() => qrRuntime.reset())

  test('adding a number creates a qr_baileys channel and its session row', async ({
    client,
    assert,
  }) => {
    await freshRuntime()
    const workspace = await qrWorkspace()
    const { response, channel } = await addNumber(client, workspace)
    response.assertStatus(302)
    assert.equal(channel.driver, 'qr_baileys')
    assert.match(channel.phone_number_id, /^qr_baileys:/)
    const row = await sessionRow(channel.id)
    assert.equal(row.state, 'connecting')
    assert.equal(row.workspace_id, workspace.id)
  })

  test('the plan limits QR numbers (qr_channels) on top of the channels limit', async ({
    client,
    assert,
  }) => {
    const workspace = await qrWorkspace()
    const { plan_id: planId } = await db.from('workspaces').where('id', workspace.id).first()
    await db.from('plans').where('id', planId).update({ max_qr_channels: 1 })
    await addNumber(client, workspace, 'First')
    const refused = await client
      .post(`/w/${workspace.slug}/p/qr_baileys/numbers`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .form({ name: 'Second' })
    assert.isAtLeast(refused.status(), 400)
    assert.include(JSON.stringify(refused.body()), 'QR-code numbers')
    const [{ total }] = await db
      .from('channels')
      .where('workspace_id', workspace.id)
      .where('driver', 'qr_baileys')
      .count('* as total')
    assert.equal(Number(total), 1)
  })

  test('ctx.channels.create goes through tenancy and quotas', async ({ assert }) => {
    const workspace = await createTestWorkspace({ plugins: ['qr_baileys'] })
    const ctx = await pluginContext('qr_baileys')
    const channel = await ctx.channels.create({
      workspaceId: workspace.id,
      driver: 'qr_baileys',
      name: 'Via SDK',
    })
    assert.equal(channel.workspaceId, workspace.id)
    assert.equal(channel.status, 'disconnected')
    assert.deepEqual(await ctx.channels.find(workspace.id, channel.publicId), channel)
    const other = await createTestWorkspace()
    assert.isNull(await ctx.channels.find(other.id, channel.publicId))
    const { plan_id: planId } = await db.from('workspaces').where('id', workspace.id).first()
    const [{ total }] = await db
      .from('channels')
      .where('workspace_id', workspace.id)
      .whereNot('driver', 'sandbox')
      .count('* as total')
    await db
      .from('plans')
      .where('id', planId)
      .update({ max_channels: Number(total) })
    await assert.rejects(
      () =>
        ctx.channels.create({ workspaceId: workspace.id, driver: 'qr_baileys', name: 'Too many' }),
      new RegExp(`allows ${Number(total)} WhatsApp numbers`)
    )
    await assert.rejects(
      () =>
        ctx.channels.create({ workspaceId: workspace.id, driver: 'meta_cloud', name: 'Not mine' }),
      /registered|may not/
    )
  })

  test('QR codes rotate live, then the scan opens the session', async ({ client, assert }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    await manager.tick()
    const socket = await waitFor(() => fake.last())

    socket.emit('connection.update', { qr: '2@first-code' })
    const first = await waitFor(async () => (await sessionRow(channel.id))?.qr)
    assert.match(first, /^data:image\/svg\+xml;base64,/)
    socket.emit('connection.update', { qr: '2@second-code' })
    const second = await waitFor(async () => {
      const row = await sessionRow(channel.id)
      return row?.qr !== first && row?.qr
    })
    assert.notEqual(first, second)

    const page = await client
      .get(`/w/${workspace.slug}/p/qr_baileys`)
      .loginAs(workspace.owner)
      .withInertia()
    page.assertInertiaComponent('plugins/qr_baileys/index')
    const number = page.inertiaProps.numbers[0]
    assert.equal(number.state, 'connecting')
    assert.equal(number.qr, second)
    assert.isString(number.qrExpiresAt)

    socket.open('15550001111')
    await waitFor(
      async () => (await db.from('channels').where('id', channel.id).first()).status === 'connected'
    )
    const row = await sessionRow(channel.id)
    assert.equal(row.state, 'open')
    assert.equal(row.phone, '15550001111')
    assert.isNull(row.qr)
    assert.isNotNull(row.opened_at)
  })

  test('a pairing code is requested for the phone number given', async ({ client, assert }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    await client
      .post(`/w/${workspace.slug}/p/qr_baileys/connect`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .form({ channel: channel.public_id, phone: '+1 555 000 2222' })
      .redirects(0)
    await manager.tick()
    const socket = await waitFor(() => fake.last())
    socket.emit('connection.update', { qr: '2@code' })
    await waitFor(async () => (await sessionRow(channel.id))?.pairing_code === 'ABCD-EFGH')
    assert.deepEqual(socket.pairingRequests, ['15550002222'])
  })

  test('another workspace cannot connect or log out this number', async ({ client }) => {
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const intruder = await qrWorkspace()
    for (const path of ['connect', 'disconnect']) {
      const response = await client
        .post(`/w/${intruder.slug}/p/qr_baileys/${path}`)
        .loginAs(intruder.owner)
        .withCsrfToken()
        .header('accept', 'application/json')
        .form({ channel: channel.public_id })
      response.assertStatus(404)
    }
  })
})

test.group('QR connector: persistence, reconnects, logouts', (group) => {
  group.each.teardown(() => qrRuntime.reset())

  test('auth state is stored encrypted and a restart reconnects without a scan', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    await socket.auth.keys.set({
      'pre-key': { '1': { public: Buffer.from([1, 2]), private: Buffer.from([3, 4]) } },
    })
    await waitFor(
      async () =>
        (
          await db
            .from('qr_baileys_auth')
            .where('channel_id', channel.id)
            .where('category', 'creds')
            .first()
        )?.value
    )
    const rows = await db.from('qr_baileys_auth').where('channel_id', channel.id)
    assert.isAtLeast(rows.length, 2)
    for (const row of rows) {
      assert.notInclude(row.value, 'registered')
      assert.notInclude(row.value, 'noiseKey')
    }

    // "Restart": a new process (manager) loads the state from the database.
    await qrRuntime.reset()
    const after = fakeFactory()
    qrRuntime.setSocketFactory(after.factory)
    await qrRuntime.manager(TEST_MANAGER).tick()
    const resumed = await waitFor(() => after.last())
    assert.isTrue(resumed.auth.creds.registered)
    assert.equal(resumed.auth.creds.me.id, '15550009999:12@s.whatsapp.net')
    const keys = await resumed.auth.keys.get('pre-key', ['1'])
    assert.deepEqual([...keys['1'].public], [1, 2])
  })

  test('a dropped connection reconnects with backoff and imports what arrived offline, once', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    socket.emit('messages.upsert', {
      type: 'notify',
      messages: [incoming({ id: 'LIVE1', from: '15557770001@s.whatsapp.net', text: 'hello' })],
    })
    await waitFor(async () => (await messagesOf(channel.id)).length === 1)

    socket.close(428)
    await waitFor(
      async () => (await db.from('channels').where('id', channel.id).first()).status === 'degraded'
    )
    const again = await waitFor(() => fake.sockets.length === 2 && fake.last())
    again.open()
    await waitFor(async () => (await sessionRow(channel.id))?.state === 'open')

    const now = Math.floor(Date.now() / 1000)
    again.emit('messaging-history.set', {
      messages: [
        incoming({
          id: 'OFF1',
          from: '15557770001@s.whatsapp.net',
          text: 'while you were away',
          timestamp: now - 10,
        }),
        incoming({
          id: 'OLD1',
          from: '15557770001@s.whatsapp.net',
          text: 'last year',
          timestamp: now - 400 * 86400,
        }),
        incoming({ id: 'LIVE1', from: '15557770001@s.whatsapp.net', text: 'hello' }),
      ],
    })
    again.emit('messages.upsert', {
      type: 'append',
      messages: [
        incoming({ id: 'OFF1', from: '15557770001@s.whatsapp.net', text: 'while you were away' }),
      ],
    })
    await waitFor(async () => (await messagesOf(channel.id)).length >= 2)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const ids = (await messagesOf(channel.id)).map(
      (row: any) => row.wa_message_id ?? row.provider_message_id
    )
    assert.lengthOf(ids, 2)
    const row = await sessionRow(channel.id)
    assert.isNotNull(row.closed_at)
    assert.isNotNull(row.connecting_at)
  })

  test('restartRequired (515) reconnects at once; backoff grows and is capped', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    socket.close(515, 'restart required')
    await waitFor(() => fake.sockets.length === 2)
    const session = manager.sessions.get(channel.id)!
    assert.isAtMost(session.backoffMs(0), 24)
    assert.isAtMost(session.backoffMs(10), 120)
    assert.isAtLeast(session.backoffMs(2), 80)
  })

  test('a logout on the phone is detected, marked, admins told; no reconnect', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    socket.close(401, 'Connection Failure')
    await waitFor(async () => (await sessionRow(channel.id))?.desired === 'stop')
    await waitFor(
      async () =>
        (await db.from('channels').where('id', channel.id).first()).status === 'disconnected'
    )
    const row = await sessionRow(channel.id)
    assert.equal(row.state, 'logged_out')
    assert.isNotNull(row.logged_out_at)
    const channelRow = await db.from('channels').where('id', channel.id).first()
    assert.equal(channelRow.status, 'disconnected')
    assert.include(channelRow.last_error, 'Logged out')
    assert.lengthOf(await db.from('qr_baileys_auth').where('channel_id', channel.id), 0)
    const notification = await waitFor(() =>
      db
        .from('notifications')
        .where('workspace_id', workspace.id)
        .where('type', 'plugins.qr_baileys.notifications.logged_out')
        .first()
    )
    assert.equal(notification.user_id, workspace.owner.id)
    await manager.tick()
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.lengthOf(fake.sockets, 1)

    // "Connect" starts over with a fresh scan.
    await client
      .post(`/w/${workspace.slug}/p/qr_baileys/connect`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .form({ channel: channel.public_id })
      .redirects(0)
    await manager.tick()
    const fresh = await waitFor(() => fake.sockets.length === 2 && fake.last())
    assert.isFalse(Boolean(fresh.auth.creds.registered))
  })

  test('"Log out" in Parley logs the linked device out', async ({ client, assert }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    await client
      .post(`/w/${workspace.slug}/p/qr_baileys/disconnect`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .form({ channel: channel.public_id })
      .redirects(0)
    await manager.tick()
    await waitFor(async () => (await sessionRow(channel.id))?.state === 'logged_out')
    assert.isTrue(socket.loggedOut)
  })
})

test.group('QR connector: identity, ownership, pacing', (group) => {
  group.each.teardown(() => qrRuntime.reset())

  test('a LID and a phone number are one contact', async ({ client, assert }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    // Phone JID first, then the LID with the phone attached, then the LID alone.
    socket.emit('messages.upsert', {
      type: 'notify',
      messages: [incoming({ from: '15553330001@s.whatsapp.net', text: 'one' })],
    })
    await waitFor(async () => (await messagesOf(channel.id)).length === 1)
    socket.emit('messages.upsert', {
      type: 'notify',
      messages: [
        incoming({ from: '4242424242@lid', alt: '15553330001@s.whatsapp.net', text: 'two' }),
      ],
    })
    await waitFor(async () => (await messagesOf(channel.id)).length === 2)
    socket.emit('messages.upsert', {
      type: 'notify',
      messages: [incoming({ from: '4242424242@lid', text: 'three' })],
    })
    await waitFor(async () => (await messagesOf(channel.id)).length === 3)
    // A LID learned from a phone-number share.
    socket.emit('chats.phoneNumberShare', {
      lid: '5151515151@lid',
      jid: '15553330002@s.whatsapp.net',
    })
    await waitFor(() => db.from('qr_baileys_lids').where('lid', '5151515151').first())
    socket.emit('messages.upsert', {
      type: 'notify',
      messages: [incoming({ from: '5151515151@lid', text: 'four' })],
    })
    await waitFor(async () => (await messagesOf(channel.id)).length === 4)

    const contacts = await db
      .from('contacts')
      .where('workspace_id', workspace.id)
      .whereNot('wa_id', 'like', '%sandbox%')
      .orderBy('id')
    const byPhone = contacts.filter((row: any) => row.wa_id === '15553330001')
    assert.lengthOf(byPhone, 1)
    assert.equal(byPhone[0].lid, '4242424242')
    assert.isNull(byPhone[0].bsuid)
    const messages = await messagesOf(channel.id)
    assert.lengthOf(new Set(messages.slice(0, 3).map((row: any) => row.contact_id)), 1)
    const shared = contacts.find((row: any) => row.wa_id === '15553330002')
    assert.equal(shared.lid, '5151515151')
  })

  test('one socket per number: a second worker waits, then takes over when the lease expires', async ({
    client,
    assert,
    cleanup,
  }) => {
    const { fake, manager } = await freshRuntime()
    await qrRuntime.reset()
    const ctx = await pluginContext('qr_baileys')
    qrRuntime.setSocketFactory(fake.factory)
    const first = new SessionManager(ctx, () => fake.factory, { ...TEST_MANAGER, leaseMs: 300 })
    const second = new SessionManager(ctx, () => fake.factory, { ...TEST_MANAGER, leaseMs: 300 })
    void manager
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    cleanup(async () => {
      await first.stop()
      await second.stop()
    })
    await first.tick()
    await second.tick()
    assert.isTrue(first.sessions.has(channel.id))
    assert.isFalse(second.sessions.has(channel.id))
    assert.lengthOf(fake.sockets, 1)
    // The first worker dies (no release, no renewal).
    first.sessions.get(channel.id)!.stop()
    await new Promise((resolve) => setTimeout(resolve, 350))
    await second.tick()
    assert.isTrue(second.sessions.has(channel.id))
    assert.lengthOf(fake.sockets, 2)
    const row = await sessionRow(channel.id)
    assert.equal(row.owner, second.owner)
    await second.stop()
    await first.stop()
  })

  test('sends from another process are relayed to the owner through the outbox', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    const relayed = manager.relay(workspace.id, channel.id, {
      to: '+15550004444',
      content: { type: 'text', text: 'via outbox' },
    })
    await waitFor(() => db.from('qr_baileys_outbox').where('channel_id', channel.id).first())
    await manager.deliverOutbox()
    const result = await relayed
    assert.equal(result.providerMessageId, socket.sent[0].id)
    assert.equal(socket.sent[0].jid, '15550004444@s.whatsapp.net')
    assert.lengthOf(await db.from('qr_baileys_outbox').where('channel_id', channel.id), 0)
  })

  test('pacing: batch pause answers wait, the daily cap answers give_up', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace({ pacing: true })
    const ctx = await pluginContext('qr_baileys')
    await ctx.settings.update(workspace.id, {
      pacingEnabled: true,
      minDelaySeconds: 0,
      maxDelaySeconds: 0,
      batchSize: 2,
      batchPauseSeconds: 60,
      dailyCap: 3,
    })
    const { channel } = await addNumber(client, workspace)
    await openSession(fake, manager, channel.id)
    const driver = new QrDriver()
    const credentials = await credentialsOf(channel.id)
    const text = (n: number) => ({
      to: '+15550005555',
      content: { type: 'text' as const, text: `m${n}` },
    })
    await driver.send(credentials, text(1))
    await driver.send(credentials, text(2))
    const paused = await sendError(driver.send(credentials, text(3)))
    assert.equal(paused.action, 'wait')
    assert.isAbove(paused.retryAfterMs!, 50_000)

    await ctx.settings.update(workspace.id, {
      pacingEnabled: true,
      minDelaySeconds: 0,
      maxDelaySeconds: 0,
      batchSize: 0,
      dailyCap: 2,
    })
    const capped = await sendError(driver.send(credentials, text(4)))
    assert.equal(capped.action, 'give_up')
    assert.include(capped.message, 'Daily cap')
    assert.equal((await sessionRow(channel.id)).sent_count, 2)
  })

  test('templates and unsupported types are refused with a reason', async ({ client, assert }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    await openSession(fake, manager, channel.id)
    const error = await sendError(
      new QrDriver().send(await credentialsOf(channel.id), {
        to: '+15550006666',
        content: { type: 'template', name: 'x', language: 'en' },
      })
    )
    assert.equal(error.action, 'give_up')
    assert.include(error.message, 'templates')
  })
})

test.group('QR connector: bad input and faults', (group) => {
  group.each.teardown(() => qrRuntime.reset())

  test('settings that fail validation are refused field by field', async ({ client, assert }) => {
    const workspace = await qrWorkspace()
    const response = await client
      .put(`/w/${workspace.slug}/settings/plugins/qr_baileys`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ dailyCap: 0, minDelaySeconds: -1, batchPauseSeconds: 5 })
    response.assertStatus(422)
    const fields = response.body().errors.map((error: any) => error.field)
    assert.includeMembers(fields, ['dailyCap', 'minDelaySeconds'])
    const ctx = await pluginContext('qr_baileys')
    const settings = await ctx.settings.get<{ dailyCap: number; batchPauseSeconds: number }>(
      workspace.id
    )
    assert.equal(settings.dailyCap, 250)
    assert.equal(settings.batchPauseSeconds, 90)
  })

  test('a handler that throws at runtime is logged with the plugin id; the socket keeps working', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    const ctx = await pluginContext('qr_baileys')
    const logged: { bindings: Record<string, unknown>; message: string }[] = []
    const original = ctx.logger.error
    ctx.logger.error = function (this: any, ...args: any[]) {
      logged.push({ bindings: ctx.logger.bindings(), message: String(args[1] ?? args[0]) })
    } as any
    try {
      socket.emit('messages.upsert', { type: 'notify', messages: null as any })
      socket.emit('messages.upsert', {
        type: 'notify',
        messages: [incoming({ from: '15558880001@s.whatsapp.net', text: 'still here' })],
      })
      await waitFor(async () => (await messagesOf(channel.id)).length === 1)
      await waitFor(() => logged.length > 0)
    } finally {
      ctx.logger.error = original
    }
    assert.equal(logged[0].bindings.plugin, 'qr_baileys')
    assert.include(logged[0].message, 'messages.upsert')
  })

  test('a reconnect that throws is logged and retried', async ({ client, assert }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace)
    const socket = await openSession(fake, manager, channel.id)
    let failures = 1
    qrRuntime.setSocketFactory(async (options) => {
      if (failures-- > 0) throw new Error('network down')
      return fake.factory(options)
    })
    // The running session keeps the factory it started with; swap on the manager path.
    const session = manager.sessions.get(channel.id)!
    ;(session as any).factory = async (options: any) => {
      if (failures-- >= 0) throw new Error('network down')
      return fake.factory(options)
    }
    socket.close(408)
    await waitFor(() => fake.sockets.length === 2, 3000)
    assert.isAtLeast(session.attempts, 2)
  })
})
