import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import transmit from '@adonisjs/transmit/services/main'
import Channel from '#channels/models/channel'
import Message from '#inbox/models/message'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { flushInboxPushes } from '#inbox/listeners/push_to_inbox'
import { inbound, messagesEnvelope, metaJson, metaSignature } from '#tests/helpers/meta_payloads'

test.group('Realtime: inbound messages reach the inbox channel', (group) => {
  let sent: { channel: string; payload: any }[] = []
  const original = transmit.broadcast.bind(transmit)

  group.each.setup(() => {
    sent = []
    transmit.broadcast = ((channel: string, payload: any) => {
      sent.push({ channel, payload })
    }) as typeof transmit.broadcast
    return () => {
      transmit.broadcast = original
    }
  })

  test('a webhook batch becomes one push with public ids only, on the right workspace', async ({
    client,
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const { workspace: other } = await makeWorkspace()
    const phoneNumberId = `PN${randomBytes(5).toString('hex')}`
    await tenancy.run(workspace.id, () =>
      Channel.create({
        driver: 'meta_cloud',
        name: 'Main',
        displayPhoneNumber: '+1 555 000 3333',
        phoneNumberId,
        wabaId: 'WABA-RT',
        accessToken: 'token-rt',
        appSecret: null,
        verifyToken: null,
        webhookKey: newWebhookKey(),
        status: 'connected',
        settings: {},
      })
    )
    const prefix = `wamid.rt.${randomBytes(3).toString('hex')}`
    const body = metaJson(
      messagesEnvelope({
        phoneNumberId,
        contacts: [{ profile: { name: 'Lena' }, wa_id: '15553330001' }],
        messages: [1, 2, 3].map((n) =>
          inbound({
            id: `${prefix}.${n}`,
            from: '15553330001',
            type: 'text',
            text: { body: `hi ${n}` },
          })
        ),
      })
    )
    const response = await client
      .post('/webhooks/meta')
      .header('content-type', 'application/json')
      .header('x-hub-signature-256', metaSignature(body, 'test-meta-app-secret'))
      .json(body as any)
    response.assertStatus(200)
    await drainQueue()
    await flushInboxPushes()

    const mine = sent.filter((push) => push.channel === `workspaces/${workspace.publicId}/inbox`)
    assert.lengthOf(mine, 1, JSON.stringify(sent))
    const items = mine[0].payload.items as Record<string, string>[]
    assert.lengthOf(items, 3)
    const stored = await tenancy.run(workspace.id, () =>
      Message.query().where('provider_message_id', 'like', `${prefix}.%`).orderBy('id')
    )
    assert.sameMembers(
      items.map((item) => item.message),
      stored.map((message) => message.publicId)
    )
    for (const item of items) {
      assert.equal(item.kind, 'message.received')
      assert.match(item.conversation, /^[0-9A-Z]{26}$/)
    }
    // Nothing about this workspace's messages leaks to another's channel, and no numeric ids.
    assert.isFalse(sent.some((push) => push.channel.includes(other.publicId)))
    assert.notInclude(JSON.stringify(sent), `"id":`)
  })
})
