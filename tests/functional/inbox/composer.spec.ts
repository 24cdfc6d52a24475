import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import drive from '@adonisjs/drive/services/main'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import Tag from '#contacts/models/tag'
import ContactTag from '#contacts/models/contact_tag'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { sandboxChannelKey, sandboxOutbox } from '#channels/drivers/sandbox_driver'
import { recordConsent } from '#contacts/services/consent'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { inbound, reload } from '#tests/helpers/inbox'

const json = (request: any) => request.header('accept', 'application/json')

async function outbox(workspace: Workspace) {
  const channel = await tenancy.run(workspace.id, () =>
    Channel.query().where('driver', 'sandbox').firstOrFail()
  )
  return sandboxOutbox.entries(sandboxChannelKey(channel.credentials()))
}

/**
 * Files under the workspace's outbound media folder. The storage folder
 * outlives test databases (workspace ids repeat between runs), so tests
 * compare counts before and after.
 */
async function storedMedia(workspace: Workspace) {
  const { objects } = await drive
    .use()
    .listAll(`workspaces/${workspace.id}/media/out`, { recursive: true })
  return [...objects].length
}

/** A JPEG's first bytes (enough for type detection) padded to `size`. */
function jpeg(size: number) {
  const bytes = Buffer.alloc(size)
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]).copy(bytes)
  return bytes
}

test.group('Inbox thread', () => {
  test('pages of the thread: newest first, oldest first inside, cursor on the oldest', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const start = DateTime.now().minus({ hours: 2 })
    let first: Message | null = null
    for (let index = 0; index < 7; index++) {
      const { message } = await inbound(workspace, {
        waId: '15550400001',
        text: `message ${index}`,
        at: start.plus({ minutes: index }),
        replyTo: index === 6 ? first!.providerMessageId : null,
      })
      first = first ?? message
    }
    const conversation = await tenancy.run(workspace.id, () => Conversation.query().firstOrFail())
    const base = `/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`
    const page1 = await json(client.get(`${base}?limit=3`).loginAs(owner))
    page1.assertStatus(200)
    assert.deepEqual(
      page1.body().items.map((item: any) => item.body),
      ['message 4', 'message 5', 'message 6']
    )
    const quoted = page1.body().items[2].replyTo
    assert.deepEqual(quoted, { id: first!.publicId, body: 'message 0', type: 'text' })
    const page2 = await json(
      client.get(`${base}?limit=3&before=${page1.body().previousCursor}`).loginAs(owner)
    )
    assert.deepEqual(
      page2.body().items.map((item: any) => item.body),
      ['message 1', 'message 2', 'message 3']
    )
    const page3 = await json(
      client.get(`${base}?limit=3&before=${page2.body().previousCursor}`).loginAs(owner)
    )
    assert.deepEqual(
      page3.body().items.map((item: any) => item.body),
      ['message 0']
    )
    assert.isNull(page3.body().previousCursor)
    const item = page3.body().items[0]
    assert.equal(item.direction, 'in')
    assert.equal(item.status, 'received')
    assert.isNull(item.sender)
    assert.deepEqual(item.mentions, [])
    assert.isString(item.createdAt)
  })

  test('the conversation detail: contact sidebar, consent, previous conversations, metrics', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation: old } = await inbound(workspace, {
      waId: '15550400002',
      name: 'Mia',
      text: 'first time',
      at: DateTime.now().minus({ days: 20 }),
    })
    await tenancy.run(workspace.id, async () => {
      const stored = await Conversation.findOrFail(old.id)
      stored.merge({ status: 'resolved', resolvedAt: DateTime.now().minus({ days: 19 }) })
      await stored.save()
    })
    const { conversation } = await inbound(workspace, { waId: '15550400002', text: 'back again' })
    assert.notEqual(conversation.id, old.id, 'resolved long ago: a new conversation')
    await tenancy.run(workspace.id, async () => {
      const tag = await Tag.create({ name: 'VIP-x', color: '#000', isPredefined: false })
      await ContactTag.create({ contactId: conversation.contactId, tagId: tag.id })
      await recordConsent({
        contactId: conversation.contactId,
        event: 'opt_in',
        scope: 'marketing',
        source: 'form',
      })
    })
    const response = await json(
      client.get(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}`).loginAs(owner)
    )
    response.assertStatus(200)
    const detail = response.body()
    assert.equal(detail.id, conversation.publicId)
    assert.equal(detail.contact.profileName, 'Mia')
    assert.equal(detail.contact.waId, '15550400002')
    assert.isNull(detail.contact.email)
    assert.deepEqual(
      detail.contact.tags.map((tag: any) => tag.name),
      ['VIP-x']
    )
    assert.equal(detail.contact.consent, 'opted_in')
    assert.deepEqual(detail.contact.previousConversations, [
      {
        id: old.publicId,
        status: 'resolved',
        lastMessageAt: detail.contact.previousConversations[0].lastMessageAt,
        preview: 'first time',
      },
    ])
    assert.deepEqual(detail.metrics, {
      firstResponseSeconds: null,
      resolutionSeconds: null,
      agentReplyCount: 0,
      reopenCount: 0,
    })
  })
})

test.group('Inbox composer', (group) => {
  group.each.setup(() => sandboxOutbox.clear())

  test('a reply inside the window is queued, sent, previewed and counted', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation, message: quoted } = await inbound(workspace, {
      waId: '15550500001',
      text: 'Can I pay by card?',
      at: DateTime.now().minus({ minutes: 10 }),
    })
    const response = await json(
      client
        .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(owner)
        .withCsrfToken()
        .json({ text: 'Yes, every card.', replyTo: quoted.publicId })
    )
    response.assertStatus(201)
    const body = response.body()
    assert.equal(body.direction, 'out')
    assert.equal(body.status, 'queued')
    assert.equal(body.body, 'Yes, every card.')
    assert.equal(body.sender.name, 'Owner')
    assert.equal(body.replyTo.id, quoted.publicId)
    await drainQueue()

    const sent = (await outbox(workspace)).filter((entry) => entry.kind === 'message') as any[]
    assert.lengthOf(sent, 1)
    assert.equal(sent[0].message.content.text, 'Yes, every card.')
    assert.equal(sent[0].message.replyTo, quoted.providerMessageId)

    const stored = await reload(workspace, conversation)
    assert.equal(stored.lastMessagePreview, 'Yes, every card.')
    assert.equal(stored.lastMessageDirection, 'out')
    assert.equal(stored.agentReplyCount, 1)
    assert.isNotNull(stored.firstResponseAt)
    assert.approximately(stored.firstResponseSeconds!, 600, 5)

    // A second reply counts, the first response time stays.
    await json(
      client
        .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(owner)
        .withCsrfToken()
        .json({ text: 'Anything else?' })
    ).then((second: any) => second.assertStatus(201))
    const again = await reload(workspace, conversation)
    assert.equal(again.agentReplyCount, 2)
    assert.equal(again.firstResponseSeconds, stored.firstResponseSeconds)
    const handled = await db
      .from('agent_conversations')
      .where('workspace_id', workspace.id)
      .where('conversation_id', conversation.id)
    assert.lengthOf(handled, 1)
    assert.equal(Number(handled[0].user_id), owner.id)
    assert.equal(Number(handled[0].replies), 2)
  })

  test('free text outside the 24-hour window is refused with a stable code', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const mediaBefore = await storedMedia(workspace)
    const { conversation } = await inbound(workspace, {
      waId: '15550500002',
      text: 'old',
      at: DateTime.now().minus({ hours: 25 }),
    })
    const response = await json(
      client
        .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(owner)
        .withCsrfToken()
        .json({ text: 'Too late' })
    )
    response.assertStatus(422)
    assert.equal(response.body().errors[0].code, 'E_OUTSIDE_SERVICE_WINDOW')
    const outbound = await tenancy.run(workspace.id, () =>
      Message.query().where('direction', 'out')
    )
    assert.lengthOf(outbound, 0)
    // An attachment outside the window: refused, nothing stored.
    const file = await json(
      client
        .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(owner)
        .withCsrfToken()
        .file('file', jpeg(2000), { filename: 'a.jpg', contentType: 'image/jpeg' })
    )
    file.assertStatus(422)
    assert.equal(file.body().errors[0].code, 'E_OUTSIDE_SERVICE_WINDOW')
    assert.equal(await storedMedia(workspace), mediaBefore)
  })

  test('an attachment is checked, stored, uploaded by the send job and sent', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const mediaBefore = await storedMedia(workspace)
    const { conversation } = await inbound(workspace, { waId: '15550500003', text: 'photo?' })
    const response = await json(
      client
        .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(owner)
        .withCsrfToken()
        .file('file', jpeg(4000), { filename: 'shop.jpg', contentType: 'image/jpeg' })
        .field('caption', 'Our shop')
    )
    response.assertStatus(201)
    const body = response.body()
    assert.equal(body.type, 'image')
    assert.equal(body.body, 'Our shop')
    assert.equal(body.mediaMime, 'image/jpeg')
    assert.equal(body.mediaUrl, `/w/${workspace.slug}/inbox/media/${body.id}`)
    assert.equal(await storedMedia(workspace), mediaBefore + 1)

    await drainQueue()
    const sent = (await outbox(workspace)).filter((entry) => entry.kind === 'message') as any[]
    assert.lengthOf(sent, 1)
    assert.equal(sent[0].message.content.type, 'image')
    assert.equal(sent[0].message.content.caption, 'Our shop')
    assert.match(sent[0].message.content.mediaId, /^sandbox-media\./)
    const stored = await tenancy.run(workspace.id, () =>
      Message.query().where('public_id', body.id).firstOrFail()
    )
    assert.equal(stored.status, 'sent')
    const conv = await reload(workspace, conversation)
    assert.equal(conv.lastMessagePreview, 'Our shop')

    // The stored media streams back with its type, to members of this workspace only.
    const media = await client.get(body.mediaUrl).loginAs(owner)
    media.assertStatus(200)
    assert.equal(media.header('content-type'), 'image/jpeg')
    const other = await makeWorkspace()
    const foreign = await json(
      client.get(`/w/${other.workspace.slug}/inbox/media/${body.id}`).loginAs(other.owner)
    )
    foreign.assertStatus(404)
  })

  test('attachments over the limit or of a refused type: 422, nothing stored or sent', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const mediaBefore = await storedMedia(workspace)
    const { conversation } = await inbound(workspace, { waId: '15550500004', text: 'send it' })
    const url = `/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`
    const big = await json(
      client
        .post(url)
        .loginAs(owner)
        .withCsrfToken()
        .file('file', jpeg(5 * 1024 * 1024 + 1), { filename: 'big.jpg', contentType: 'image/jpeg' })
    )
    big.assertStatus(422)
    assert.equal(big.body().errors[0].code, 'E_MEDIA_TOO_LARGE')
    assert.include(big.body().errors[0].message, '5 MB')

    const exe = await json(
      client
        .post(url)
        .loginAs(owner)
        .withCsrfToken()
        .file('file', Buffer.from('MZ\x90\x00binary'), {
          filename: 'tool.exe',
          contentType: 'application/x-msdownload',
        })
    )
    exe.assertStatus(422)
    assert.equal(exe.body().errors[0].code, 'E_MEDIA_TYPE_NOT_ALLOWED')

    // A static sticker above 100 KB.
    const webp = Buffer.alloc(150 * 1024)
    Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1').copy(webp)
    const sticker = await json(
      client
        .post(url)
        .loginAs(owner)
        .withCsrfToken()
        .file('file', webp, { filename: 's.webp', contentType: 'image/webp' })
    )
    sticker.assertStatus(422)
    assert.equal(sticker.body().errors[0].code, 'E_MEDIA_TOO_LARGE')

    assert.equal(await storedMedia(workspace), mediaBefore)
    const outbound = await tenancy.run(workspace.id, () =>
      Message.query().where('direction', 'out')
    )
    assert.lengthOf(outbound, 0)
  })

  test('replying needs inbox.reply', async ({ client, assert }) => {
    const { workspace } = await makeWorkspace()
    const marketer = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    const { conversation } = await inbound(workspace, { waId: '15550500005', text: 'hi' })
    const response = await json(
      client
        .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(marketer)
        .withCsrfToken()
        .json({ text: 'no' })
    )
    response.assertStatus(403)
    const outbound = await tenancy.run(workspace.id, () =>
      Message.query().where('direction', 'out')
    )
    assert.lengthOf(outbound, 0)
  })

  test('read resets unread and sends a read receipt; typing at most every 20 s', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await inbound(workspace, { waId: '15550500006', text: 'one' })
    const { conversation, message } = await inbound(workspace, {
      waId: '15550500006',
      text: 'two',
    })
    assert.equal((await reload(workspace, conversation)).unreadCount, 2)
    const base = `/w/${workspace.slug}/inbox/conversations/${conversation.publicId}`
    const read = await json(client.post(`${base}/read`).loginAs(owner).withCsrfToken())
    read.assertStatus(200)
    assert.equal((await reload(workspace, conversation)).unreadCount, 0)

    const first = await json(client.post(`${base}/typing`).loginAs(owner).withCsrfToken())
    assert.isTrue(first.body().sent)
    const second = await json(client.post(`${base}/typing`).loginAs(owner).withCsrfToken())
    assert.isFalse(second.body().sent)
    await drainQueue()
    const receipts = (await outbox(workspace)).filter((entry) => entry.kind !== 'message')
    // One read receipt and one typing signal (one for the two typing calls); the
    // worker runs jobs concurrently, so their order is not fixed.
    assert.sameDeepMembers(
      receipts.map((entry: any) => [entry.kind, entry.messageId]),
      [
        ['read', message.providerMessageId],
        ['typing', message.providerMessageId],
      ]
    )
  })
})
