import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { randomBytes } from 'node:crypto'
import Channel from '#channels/models/channel'
import Message from '#inbox/models/message'
import Conversation from '#inbox/models/conversation'
import Contact from '#contacts/models/contact'
import WebhookEvent from '#channels/models/webhook_event'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { MAX_WEBHOOK_ATTEMPTS } from '#channels/webhooks/ingestor'
import {
  everyInboundType,
  inbound,
  messagesEnvelope,
  metaJson,
  metaSignature,
} from '#tests/helpers/meta_payloads'

const APP_SECRET = 'test-meta-app-secret'

async function metaChannel(options: { ownApp?: boolean } = {}) {
  const { workspace, owner } = await makeWorkspace()
  const phoneNumberId = `PN${randomBytes(5).toString('hex')}`
  const channel = await tenancy.run(workspace.id, () =>
    Channel.create({
      driver: 'meta_cloud',
      name: 'Main number',
      displayPhoneNumber: '+1 555 000 1111',
      phoneNumberId,
      wabaId: 'WABA-1',
      accessToken: 'token-1',
      appSecret: options.ownApp ? 'own-app-secret' : null,
      verifyToken: options.ownApp ? 'own-verify' : null,
      webhookKey: newWebhookKey(),
      status: 'connected',
      settings: {},
    })
  )
  return { workspace, owner, channel, phoneNumberId }
}

function post(client: any, body: string, signature: string | null, path = '/webhooks/meta') {
  // A string passed to json() goes out byte for byte (superagent sends strings as is).
  const request = client.post(path).header('content-type', 'application/json')
  if (signature) request.header('x-hub-signature-256', signature)
  return request.json(body)
}

test.group('Meta webhooks: request path', () => {
  test('verification handshake echoes the challenge only for the right token', async ({
    client,
  }) => {
    const ok = await client.get('/webhooks/meta').qs({
      'hub.mode': 'subscribe',
      'hub.verify_token': 'test-verify-token',
      'hub.challenge': '1158201444',
    })
    ok.assertStatus(200)
    ok.assertTextIncludes('1158201444')
    const wrong = await client
      .get('/webhooks/meta')
      .qs({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': 'x' })
    wrong.assertStatus(403)
  })

  test('signatures: good, missing, bad and tampered; non-ASCII bodies signed as Meta signs them', async ({
    client,
    assert,
  }) => {
    const { phoneNumberId } = await metaChannel()
    const body = metaJson(
      messagesEnvelope({
        phoneNumberId,
        contacts: [{ profile: { name: 'عائشة 🌙' }, wa_id: '15551234567' }],
        messages: [
          inbound({
            id: `wamid.${randomBytes(6).toString('hex')}`,
            type: 'text',
            text: { body: 'Ça va? مرحبا https://x.test/a' },
          }),
        ],
      })
    )
    assert.include(body, '\\u0639') // Arabic escaped like Meta does
    const before = await WebhookEvent.query().count('* as total')

    ;(await post(client, body, metaSignature(body, APP_SECRET))).assertStatus(200)
    ;(await post(client, body, null)).assertStatus(401)
    ;(await post(client, body, metaSignature(body, 'wrong-secret'))).assertStatus(401)
    ;(await post(client, body.replace('va?', 'va!'), metaSignature(body, APP_SECRET))).assertStatus(
      401
    )
    // Re-serialising the parsed JSON (unescaped) would break the signature.
    const reserialised = JSON.stringify(JSON.parse(body))
    ;(await post(client, reserialised, metaSignature(body, APP_SECRET))).assertStatus(401)

    const after = await WebhookEvent.query().count('* as total')
    assert.equal(Number(after[0].$extras.total) - Number(before[0].$extras.total), 1)
    const rejected = await db
      .from('webhook_counters')
      .where('reason', 'bad_signature')
      .sum('count as total')
    assert.isAtLeast(Number(rejected[0].total), 4)
  })

  test('a malformed signed body answers 400 and is kept; an oversized one answers 413', async ({
    client,
    assert,
  }) => {
    const body = '{"object":"page","entry":"nope"}'
    const response = await post(client, body, metaSignature(body, APP_SECRET))
    response.assertStatus(400)
    const kept = await WebhookEvent.query()
      .where('status', 'malformed')
      .orderBy('id', 'desc')
      .firstOrFail()
    assert.equal(kept.rawBody, body)

    const notJson = 'not json at all'
    ;(await post(client, notJson, metaSignature(notJson, APP_SECRET))).assertStatus(400)

    const huge = metaJson({
      object: 'whatsapp_business_account',
      entry: [],
      pad: 'x'.repeat(3 * 1024 * 1024),
    })
    ;(await post(client, huge, metaSignature(huge, APP_SECRET))).assertStatus(413)
  })
})

test.group('Meta webhooks: processing', (group) => {
  // Media downloads are covered against the simulator (outbound.spec.ts);
  // here their media ids exist nowhere, so drop those jobs between tests.
  group.each.teardown(async () => {
    await db.from('jobs').where('name', 'media.download_inbound').delete()
  })

  test('every inbound type is stored once, in the right workspace, with its conversation', async ({
    client,
    assert,
  }) => {
    const { workspace, phoneNumberId } = await metaChannel()
    const prefix = `wamid.${randomBytes(4).toString('hex')}`
    const body = metaJson(
      messagesEnvelope({
        phoneNumberId,
        contacts: [
          { profile: { name: 'Awa' }, wa_id: '15551234567', user_id: 'US.1349120865530274' },
        ],
        messages: everyInboundType(prefix),
      })
    )
    ;(await post(client, body, metaSignature(body, APP_SECRET))).assertStatus(200)
    // Meta redelivers: nothing changes.
    ;(await post(client, body, metaSignature(body, APP_SECRET))).assertStatus(200)
    await drainQueue({ except: ['media.download_inbound'] })

    await tenancy.run(workspace.id, async () => {
      const messages = await Message.query().where('provider_message_id', 'like', `${prefix}%`)
      assert.lengthOf(messages, 16)
      const types = new Set(messages.map((message) => message.type))
      assert.includeMembers(
        [...types],
        [
          'text',
          'image',
          'video',
          'audio',
          'document',
          'sticker',
          'location',
          'contacts',
          'interactive',
          'button',
          'reaction',
          'order',
          'system',
          'unsupported',
        ]
      )
      const contacts = await Contact.query().where('bsuid', 'US.1349120865530274')
      assert.lengthOf(contacts, 1)
      assert.equal(contacts[0].waId, '15551234567')
      assert.equal(contacts[0].profileName, 'Awa')
      const conversations = await Conversation.query().where('contact_id', contacts[0].id)
      assert.lengthOf(conversations, 1)
      assert.equal(conversations[0].unreadCount, 16)
      assert.isTrue(conversations[0].isServiceWindowOpen())
    })
  })

  test('one POST with two workspaces and an unknown number routes each update correctly', async ({
    client,
    assert,
  }) => {
    const a = await metaChannel()
    const b = await metaChannel()
    const idA = `wamid.A${randomBytes(4).toString('hex')}`
    const idB = `wamid.B${randomBytes(4).toString('hex')}`
    const envelope = messagesEnvelope({
      phoneNumberId: a.phoneNumberId,
      messages: [inbound({ id: idA, type: 'text', text: { body: 'for A' } })],
    })
    envelope.entry.push(
      messagesEnvelope({
        phoneNumberId: b.phoneNumberId,
        messages: [inbound({ id: idB, type: 'text', text: { body: 'for B' } })],
      }).entry[0],
      messagesEnvelope({
        phoneNumberId: 'PN-UNKNOWN-1',
        display: '15559990000',
        messages: [inbound({ id: 'wamid.lost', type: 'text', text: { body: '?' } })],
      }).entry[0]
    )
    const body = metaJson(envelope)
    ;(await post(client, body, metaSignature(body, APP_SECRET))).assertStatus(200)
    await drainQueue()

    const inA = await tenancy.run(a.workspace.id, () =>
      Message.query().whereIn('provider_message_id', [idA, idB])
    )
    const inB = await tenancy.run(b.workspace.id, () =>
      Message.query().whereIn('provider_message_id', [idA, idB])
    )
    assert.deepEqual(
      inA.map((message) => message.body),
      ['for A']
    )
    assert.deepEqual(
      inB.map((message) => message.body),
      ['for B']
    )
    const unrouted = await db
      .from('unrouted_numbers')
      .where('phone_number_id', 'PN-UNKNOWN-1')
      .first()
    assert.equal(unrouted.display_phone_number, '15559990000')
  })

  test('a workspace with its own Meta app uses its own URL, secret and verify token', async ({
    client,
    assert,
  }) => {
    const { workspace, channel, phoneNumberId } = await metaChannel({ ownApp: true })
    const path = `/webhooks/meta/${channel.webhookKey}`
    const handshake = await client
      .get(path)
      .qs({ 'hub.mode': 'subscribe', 'hub.verify_token': 'own-verify', 'hub.challenge': 'abc' })
    handshake.assertStatus(200)
    const id = `wamid.own${randomBytes(4).toString('hex')}`
    const body = metaJson(
      messagesEnvelope({
        phoneNumberId,
        messages: [inbound({ id, type: 'text', text: { body: 'own app' } })],
      })
    )
    ;(await post(client, body, metaSignature(body, APP_SECRET), path)).assertStatus(401)
    ;(await post(client, body, metaSignature(body, 'own-app-secret'), path)).assertStatus(200)
    ;(
      await post(client, body, metaSignature(body, 'own-app-secret'), '/webhooks/meta/not-a-key')
    ).assertStatus(404)
    await drainQueue()
    const stored = await tenancy.run(workspace.id, () => Message.findBy('provider_message_id', id))
    assert.equal(stored?.body, 'own app')
  })

  test('statuses never move backwards; read without delivered; failed keeps the reason', async ({
    client,
    assert,
  }) => {
    const { workspace, channel, phoneNumberId } = await metaChannel()
    const [first, second] = await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: '15557654321', phone: '+15557654321' })
      const conversation = await Conversation.create({
        contactId: contact.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
      })
      const make = (providerMessageId: string) =>
        Message.create({
          conversationId: conversation.id,
          channelId: channel.id,
          direction: 'out',
          providerMessageId,
          type: 'text',
          body: 'hi',
          payload: {},
          status: 'sent',
          attempts: 1,
        })
      return [
        await make(`wamid.s1${randomBytes(3).toString('hex')}`),
        await make(`wamid.s2${randomBytes(3).toString('hex')}`),
      ]
    })
    const statuses = (items: Record<string, unknown>[]) => {
      const body = metaJson(messagesEnvelope({ phoneNumberId, statuses: items }))
      return post(client, body, metaSignature(body, APP_SECRET))
    }
    await statuses([
      {
        id: first.providerMessageId,
        status: 'read',
        timestamp: '1700000100',
        recipient_id: '15557654321',
      },
    ])
    await drainQueue()
    await statuses([
      {
        id: first.providerMessageId,
        status: 'delivered',
        timestamp: '1700000050',
        recipient_id: '15557654321',
      },
    ])
    await statuses([
      {
        id: second.providerMessageId,
        status: 'failed',
        timestamp: '1700000060',
        recipient_id: '15557654321',
        errors: [
          {
            code: 131026,
            title: 'Message undeliverable',
            error_data: { details: 'Receiver incapable' },
          },
        ],
      },
    ])
    await drainQueue()
    await tenancy.run(workspace.id, async () => {
      await first.refresh()
      assert.equal(first.status, 'read')
      assert.isNotNull(first.readAt)
      assert.isTrue(first.deliveredAt?.isValid, 'read implies delivered')
      assert.equal(first.deliveredAt!.toSeconds(), 1700000100)
      await second.refresh()
      assert.equal(second.status, 'failed')
      assert.equal(second.errorCode, 131026)
      assert.isNotNull(second.errorMessage)
    })
  })

  test('a status that overtakes its message waits for it; then gives up with a note', async ({
    client,
    assert,
  }) => {
    const { workspace, channel, phoneNumberId } = await metaChannel()
    const wamid = `wamid.early${randomBytes(3).toString('hex')}`
    const body = metaJson(
      messagesEnvelope({
        phoneNumberId,
        statuses: [{ id: wamid, status: 'delivered', timestamp: '1700000200', recipient_id: '1' }],
      })
    )
    ;(await post(client, body, metaSignature(body, APP_SECRET))).assertStatus(200)
    const event = await WebhookEvent.query().orderBy('id', 'desc').firstOrFail()
    await drainQueue()
    await event.refresh()
    // Not applied, not dropped: due again in a moment, attempts not spent.
    assert.equal(event.status, 'pending')
    assert.match(event.error ?? '', /Waiting for 1 message/)
    assert.equal(event.attempts, 0)

    // The send job writes the wamid; the next pass applies the status.
    const message = await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: '15550009999', phone: '+15550009999' })
      const conversation = await Conversation.create({
        contactId: contact.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
      })
      return Message.create({
        conversationId: conversation.id,
        channelId: channel.id,
        direction: 'out',
        providerMessageId: wamid,
        type: 'text',
        body: 'hi',
        payload: {},
        status: 'sent',
        attempts: 1,
      })
    })
    await db.from('webhook_events').where('id', event.id).update({ available_at: 0 })
    await drainQueue()
    await event.refresh()
    assert.equal(event.status, 'processed')
    assert.isNull(event.error)
    await tenancy.run(workspace.id, () => message.refresh())
    assert.equal(message.status, 'delivered')

    // A status for a message Parley never stored (sent by another tool)
    // is accepted after a minute, with a note.
    const stranger = metaJson(
      messagesEnvelope({
        phoneNumberId,
        statuses: [{ id: 'wamid.other-tool', status: 'read', timestamp: '1700000300' }],
      })
    )
    ;(await post(client, stranger, metaSignature(stranger, APP_SECRET))).assertStatus(200)
    const late = await WebhookEvent.query().orderBy('id', 'desc').firstOrFail()
    await db
      .from('webhook_events')
      .where('id', late.id)
      .update({ received_at: DateTime.now().minus({ minutes: 2 }).toSQL({ includeOffset: false }) })
    await drainQueue()
    await late.refresh()
    assert.equal(late.status, 'processed')
    assert.match(late.error ?? '', /1 status\(es\) named messages Parley does not have/)
  })

  test('a delivery that keeps failing is retried with backoff, then marked failed', async ({
    assert,
  }) => {
    const [id] = await db.table('webhook_events').insert({
      source: 'meta',
      status: 'pending',
      raw_body: '{"object":"whatsapp_business_account","entry":[{"changes":"not-a-list"}]',
      updates: 0,
      attempts: 0,
      available_at: 0,
      received_at: DateTime.now().toSQL({ includeOffset: false }),
    })
    await drainQueue()
    let row = await WebhookEvent.findOrFail(id)
    assert.equal(row.status, 'pending')
    assert.equal(row.attempts, 1)
    assert.isNotNull(row.error)
    const retryAt = Number((await db.from('webhook_events').where('id', id).first()).available_at)
    assert.isAbove(retryAt, Date.now() - 1000, 'retried later, not at once')

    await db
      .from('webhook_events')
      .where('id', id)
      .update({ attempts: MAX_WEBHOOK_ATTEMPTS - 1, available_at: 0 })
    await drainQueue()
    row = await WebhookEvent.findOrFail(id)
    assert.equal(row.status, 'failed')
    assert.equal(row.attempts, MAX_WEBHOOK_ATTEMPTS)
  })

  test('account-level events update every channel of the WABA and queue health checks', async ({
    client,
    assert,
  }) => {
    const { workspace, channel } = await metaChannel()
    const wabaId = `WABA-${randomBytes(3).toString('hex')}`
    await tenancy.run(workspace.id, async () => {
      channel.wabaId = wabaId
      await channel.save()
    })
    const send = async (field: string, value: Record<string, unknown>) => {
      const body = metaJson({
        object: 'whatsapp_business_account',
        entry: [{ id: wabaId, time: 1700000000, changes: [{ field, value }] }],
      })
      ;(await post(client, body, metaSignature(body, APP_SECRET))).assertStatus(200)
      await drainQueue({ except: ['channels.health_check'] })
      await tenancy.run(workspace.id, () => channel.refresh())
    }

    await send('business_capability_update', { max_daily_conversations_per_business: 2000 })
    assert.equal(channel.messagingLimit, '2000')
    await send('phone_number_quality_update', {
      display_phone_number: '15550001111',
      event: 'THROUGHPUT_UPGRADE',
      max_daily_conversations_per_business: 'TIER_10K',
    })
    assert.equal(channel.messagingLimit, 'TIER_10K')
    await send('account_update', {
      event: 'DISABLED_UPDATE',
      ban_info: { waba_ban_state: 'DISABLE', waba_ban_date: '2026-11-20' },
    })
    assert.match(channel.lastError ?? '', /disabled this WhatsApp Business Account \(2026-11-20\)/)
    await send('account_update', {
      event: 'DISABLED_UPDATE',
      ban_info: { waba_ban_state: 'REINSTATE' },
    })
    assert.isNull(channel.lastError)

    const checks = await db
      .from('jobs')
      .where('name', 'channels.health_check')
      .where('workspace_id', workspace.id)
    assert.lengthOf(checks, 1, 'one pending health check per channel, whatever the events')
    await db.from('jobs').where('name', 'channels.health_check').delete()
  })
})
