import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import Contact from '#contacts/models/contact'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { sendMessage } from '#inbox/actions/send_message'
import { OutsideServiceWindowException } from '#inbox/exceptions/outside_service_window_exception'
import { createMetaSimulator, type MetaSimulator } from '#channels/simulator/index'
import { makeWorkspace } from '#tests/helpers/fixtures'
import type Workspace from '#core/models/workspace'
import { drainQueue } from '#tests/helpers/queue'
import { simulatorPort } from '#tests/helpers/campaign_dispatch'

/**
 * The whole round trip against the bundled Meta simulator: a customer
 * writes (signed webhook), an agent answers (queued, sent by the worker
 * through the meta_cloud driver), Meta's status webhooks move it to read.
 */
test.group('Outbound through the Meta simulator', (group) => {
  let simulator: MetaSimulator
  const phoneNumberId = `10${Date.now()}`

  group.setup(async () => {
    simulator = createMetaSimulator({
      port: simulatorPort(),
      appSecret: 'test-meta-app-secret',
      appId: 'test-app-id',
      webhookUrl: `http://127.0.0.1:${process.env.PORT}/webhooks/meta`,
      accessTokens: ['sim-token-0123456789abcdef'],
      numbers: [
        {
          phoneNumberId,
          wabaId: '2000001',
          displayPhoneNumber: '15550001111',
          verifiedName: 'Acme',
          qualityRating: 'GREEN',
        },
      ],
      autoStatuses: true,
      statusDelayMs: 5,
    })
    await simulator.start()
    return () => simulator.stop()
  })

  let shared: Promise<{ workspace: Workspace; channel: Channel }> | null = null
  /** One workspace owns the simulated number for the whole group (numbers are unique). */
  function setup() {
    shared ??= connect()
    return shared
  }

  async function connect() {
    const { workspace } = await makeWorkspace()
    const channel = await tenancy.run(workspace.id, () =>
      Channel.create({
        driver: 'meta_cloud',
        name: 'Main',
        phoneNumberId,
        wabaId: '2000001',
        accessToken: 'sim-token-0123456789abcdef',
        webhookKey: newWebhookKey(),
        status: 'connected',
        settings: {},
      })
    )
    return { workspace, channel }
  }

  test('a customer writes, an agent replies, statuses come back to read', async ({ assert }) => {
    const { workspace } = await setup()
    const from = `1555${randomBytes(3).readUIntBE(0, 3).toString().padStart(7, '0')}`
    const { wamid } = await simulator.inbound({
      from,
      type: 'text',
      text: { body: 'Do you deliver?' },
    } as any)
    await drainQueue()

    const reply = await tenancy.run(workspace.id, async () => {
      const inbound = await Message.findByOrFail('provider_message_id', wamid)
      const conversation = await Conversation.findOrFail(inbound.conversationId)
      return sendMessage({
        conversation,
        content: { type: 'text', text: 'Yes, every day.' },
        replyTo: wamid,
      })
    })
    assert.equal(reply.status, 'queued')
    await drainQueue()
    await simulator.idle()
    await drainQueue()

    const sent = simulator.state.sent.find(
      (entry) => entry.body?.text && (entry.body.text as any).body === 'Yes, every day.'
    )
    assert.exists(sent, 'the simulator received the reply')
    assert.equal(sent!.input, `+${from}`)
    assert.deepEqual((sent!.body as any).context, { message_id: wamid })

    await tenancy.run(workspace.id, async () => {
      await reply.refresh()
      assert.equal(reply.providerMessageId, sent!.id)
      assert.equal(reply.status, 'read')
      assert.isNotNull(reply.sentAt)
      assert.isNotNull(reply.deliveredAt)
    })
  })

  test('free text outside the 24-hour window is refused before anything is queued', async ({
    assert,
  }) => {
    const { workspace, channel } = await setup()
    await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: '15550009999', phone: '+15550009999' })
      const conversation = await Conversation.create({
        contactId: contact.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
        lastInboundAt: DateTime.now().minus({ hours: 25 }),
      })
      await assert.rejects(
        () => sendMessage({ conversation, content: { type: 'text', text: 'Hello again' } }),
        OutsideServiceWindowException as any
      )
      assert.lengthOf(await Message.query().where('conversation_id', conversation.id), 0)
    })
  })

  test('a permanent Meta error fails the message with a reason; a throttle waits and then sends', async ({
    assert,
  }) => {
    const { workspace } = await setup()
    const from = `1556${randomBytes(3).readUIntBE(0, 3).toString().padStart(7, '0')}`
    const { wamid } = await simulator.inbound({ from, type: 'text', text: { body: 'hi' } } as any)
    await drainQueue()
    const conversation = await tenancy.run(workspace.id, async () => {
      const inbound = await Message.findByOrFail('provider_message_id', wamid)
      return Conversation.findOrFail(inbound.conversationId)
    })

    simulator.state.failNext(131008)
    const bad = await tenancy.run(workspace.id, () =>
      sendMessage({ conversation, content: { type: 'text', text: 'first' } })
    )
    await drainQueue()
    await tenancy.run(workspace.id, async () => {
      await bad.refresh()
      assert.equal(bad.status, 'failed')
      assert.equal(bad.errorCode, 131008)
      assert.isNotEmpty(bad.errorMessage)
    })

    simulator.state.failNext(130429)
    const throttled = await tenancy.run(workspace.id, () =>
      sendMessage({ conversation, content: { type: 'text', text: 'second' } })
    )
    await drainQueue({ timeoutMs: 20_000 })
    await tenancy.run(workspace.id, async () => {
      await throttled.refresh()
      assert.oneOf(throttled.status, ['sent', 'delivered', 'read'])
      assert.isAtLeast(throttled.attempts, 2)
    })
  })

  test('inbound media is copied into the workspace storage', async ({ assert }) => {
    const { workspace } = await setup()
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)])
    const mediaId = simulator.state.addMedia(jpeg, 'image/jpeg', { phoneNumberId })
    const { wamid } = await simulator.inbound({
      from: '15557770000',
      type: 'image',
      image: { id: mediaId, mime_type: 'image/jpeg', sha256: 'x', caption: 'photo' },
    } as any)
    await drainQueue()
    const message = await tenancy.run(workspace.id, () =>
      Message.findByOrFail('provider_message_id', wamid)
    )
    assert.equal(message.body, 'photo')
    assert.match(message.mediaPath!, new RegExp(`^workspaces/${workspace.id}/media/.+\\.jpg$`))
    const { default: drive } = await import('@adonisjs/drive/services/main')
    const stored = Buffer.from(await drive.use().getBytes(message.mediaPath!))
    assert.isTrue(stored.equals(jpeg))
  })

  test('embedded signup: code exchanged, app subscribed, number registered and connected', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const newNumber = `12${Date.now()}`
    simulator.state.addNumber({
      phoneNumberId: newNumber,
      wabaId: '2000002',
      displayPhoneNumber: '15550002222',
      verifiedName: 'Beta Shop',
      qualityRating: 'GREEN',
      registered: false,
    })
    simulator.state.addSignupCode('ES-CODE-1', { wabaId: '2000002', phoneNumberId: newNumber })

    const response = await client
      .post(`/w/${workspace.slug}/settings/channels/embedded-signup`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', '/back')
      .form({
        name: 'Beta',
        code: 'ES-CODE-1',
        wabaId: '2000002',
        phoneNumberId: newNumber,
        pin: '123456',
      })
      .redirects(0)
    response.assertStatus(302)
    response.assertFlashMessage('success', 'WhatsApp number connected.')

    const channel = await tenancy.run(workspace.id, () =>
      Channel.findByOrFail('phone_number_id', newNumber)
    )
    assert.equal(channel.status, 'connected')
    assert.equal(channel.wabaId, '2000002')
    assert.isNotEmpty(channel.accessToken)
    const raw = await (
      await import('@adonisjs/lucid/services/db')
    ).default
      .from('channels')
      .where('id', channel.id)
      .first()
    assert.notEqual(raw.access_token, channel.accessToken, 'the token is encrypted at rest')

    // The code lives once: a second exchange is refused with Meta's reason on the field.
    const again = await client
      .post(`/w/${workspace.slug}/settings/channels/embedded-signup`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', '/back')
      .form({
        name: 'Beta',
        code: 'ES-CODE-1',
        wabaId: '2000002',
        phoneNumberId: newNumber,
        pin: '123456',
      })
      .redirects(0)
    const errors = again.flashMessages().errors as Record<string, string[]>
    assert.match(errors.code[0], /^Meta refused this step/)
  })
})
