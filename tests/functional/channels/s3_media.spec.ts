import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import env from '#start/env'
import Channel from '#channels/models/channel'
import Message from '#inbox/models/message'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { createMetaSimulator, type MetaSimulator } from '#channels/simulator/index'
import { sandboxChannelKey, sandboxOutbox } from '#channels/drivers/sandbox_driver'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { inbound } from '#tests/helpers/inbox'
import { type FakeS3, useFakeS3Disk } from '#tests/helpers/fake_s3'

/**
 * Message media on the S3-compatible disk (the real `s3` service against
 * tests/helpers/fake_s3.ts): inbound media downloaded from Meta lands in
 * the bucket, the media route streams it back to a member, an attachment
 * sent from the composer is stored there and read back by the send job.
 */
test.group('S3 disk: message media', (group) => {
  let simulator: MetaSimulator
  let fake: FakeS3
  const phoneNumberId = `13${Date.now()}`

  group.setup(async () => {
    simulator = createMetaSimulator({
      port: Number(new URL(env.get('META_GRAPH_URL') ?? 'http://127.0.0.1:3399').port),
      appSecret: 'test-meta-app-secret',
      appId: 'test-app-id',
      webhookUrl: `http://127.0.0.1:${process.env.PORT}/webhooks/meta`,
      accessTokens: ['sim-token-s3-media-0123456789'],
      numbers: [
        {
          phoneNumberId,
          wabaId: '2000013',
          displayPhoneNumber: '15550001313',
          verifiedName: 'Bucket Shop',
          qualityRating: 'GREEN',
        },
      ],
      autoStatuses: true,
      statusDelayMs: 5,
    })
    await simulator.start()
    const opened = await useFakeS3Disk()
    fake = opened.fake
    return async () => {
      opened.restore()
      await simulator.stop()
    }
  })
  group.each.setup(() => {
    fake.reset()
    sandboxOutbox.clear()
  })

  async function connected() {
    const { workspace, owner } = await makeWorkspace()
    await tenancy.run(workspace.id, () =>
      Channel.create({
        driver: 'meta_cloud',
        name: 'Main',
        phoneNumberId,
        wabaId: '2000013',
        accessToken: 'sim-token-s3-media-0123456789',
        webhookKey: newWebhookKey(),
        status: 'connected',
        settings: {},
      })
    )
    return { workspace, owner }
  }

  test('inbound media lands in the bucket under workspaces/<id>/media and streams to members', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await connected()
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(5000)])
    const mediaId = simulator.state.addMedia(jpeg, 'image/jpeg', { phoneNumberId })
    const { wamid } = await simulator.inbound({
      from: '15557771313',
      type: 'image',
      image: { id: mediaId, mime_type: 'image/jpeg', sha256: 'x', caption: 'in the bucket' },
    } as any)
    await drainQueue()
    const message = await tenancy.run(workspace.id, () =>
      Message.findByOrFail('provider_message_id', wamid)
    )
    const key = message.mediaPath!
    assert.match(key, new RegExp(`^workspaces/${workspace.id}/media/${message.publicId}\\.jpg$`))
    assert.deepEqual(fake.keys(`workspaces/${workspace.id}/`), [key])
    assert.isTrue(fake.object(key)!.body.equals(jpeg))
    assert.equal(fake.object(key)!.contentType, 'image/jpeg')

    const media = await client
      .get(`/w/${workspace.slug}/inbox/media/${message.publicId}`)
      .loginAs(owner)
    media.assertStatus(200)
    assert.equal(media.header('content-type'), 'image/jpeg')
    assert.isTrue(Buffer.from(media.body()).equals(jpeg))
    assert.includeMembers(fake.operations(key), ['HeadObject', 'GetObject'])

    // Gone from the bucket: 404, not a server error.
    fake.reset()
    const missing = await client
      .get(`/w/${workspace.slug}/inbox/media/${message.publicId}`)
      .loginAs(owner)
      .header('accept', 'application/json')
    missing.assertStatus(404)
  })

  test('an attachment from the composer is stored in the bucket and read back by the send job', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation } = await inbound(workspace, { waId: '15550501313', text: 'photo?' })
    const jpeg = Buffer.alloc(6000, 3)
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]).copy(jpeg)
    const response = await client
      .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .file('file', jpeg, { filename: 'shop.jpg', contentType: 'image/jpeg' })
    response.assertStatus(201)
    const [key] = fake.keys(`workspaces/${workspace.id}/media/out/`)
    assert.match(key, /\/media\/out\/[0-9A-Z]{26}\.jpg$/)
    assert.isTrue(fake.object(key)!.body.equals(jpeg))

    await drainQueue()
    assert.include(fake.operations(key), 'GetObject')
    const channel = await tenancy.run(workspace.id, () =>
      Channel.query().where('driver', 'sandbox').firstOrFail()
    )
    const sent = sandboxOutbox
      .entries(sandboxChannelKey(channel.credentials()))
      .filter((entry) => entry.kind === 'message') as any[]
    assert.lengthOf(sent, 1)
    const uploaded = sandboxOutbox.getMedia(sent[0].message.content.mediaId)
    assert.isTrue(Buffer.from(uploaded!.bytes).equals(jpeg))
  })
})
