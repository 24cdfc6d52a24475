import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import { DateTime } from 'luxon'
import { ulid } from 'ulidx'
import { ChannelSendError } from '#sdk/index'
import { pluginContext } from '#sdk/testing'
import { drainQueue } from '#tests/helpers/queue'
import { qrRuntime } from '../src/runtime.js'
import { QrDriver } from '../src/driver.js'
import { purgeExpiredMedia } from '../src/media.js'
import { FakeMediaServer, incoming, incomingMedia, waitFor } from './fake_socket.js'
import { addNumber, freshRuntime, openSession, qrWorkspace } from './helpers.js'

/**
 * Media of QR numbers: inbound attachments fetched by the core
 * `media.download_inbound` job through the driver (a fake WhatsApp media
 * CDN serves the bytes), uploads persisted on the drive disk, and the LID
 * stored on the contact.
 */
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
    .orderBy('messages.id')

async function sendError(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    if (error instanceof ChannelSendError) return error
    throw error
  }
  throw new Error('expected a ChannelSendError')
}

async function connected(client: any) {
  const { fake, manager } = await freshRuntime()
  const cdn = new FakeMediaServer()
  qrRuntime.setMediaFetcher(cdn.fetcher)
  const workspace = await qrWorkspace()
  const { channel } = await addNumber(client, workspace)
  const socket = await openSession(fake, manager, channel.id)
  return { workspace, channel, socket, cdn, manager }
}

test.group('QR connector: inbound media', (group) => {
  group.each.teardown(async () => {
    qrRuntime.setMediaFetcher(null)
    await qrRuntime.reset()
    await db.from('jobs').where('name', 'media.download_inbound').delete()
  })

  test('an inbound image is fetched by the core download job and stored like Meta media', async ({
    client,
    assert,
  }) => {
    const { workspace, channel, socket, cdn } = await connected(client)
    const bytes = new Uint8Array(randomBytes(64))
    const mediaKey = new Uint8Array(randomBytes(32))
    const directPath = `/v/t62.7118-24/${randomBytes(6).toString('hex')}.enc`
    cdn.serve(directPath, bytes, Buffer.from(mediaKey).toString('base64'))
    socket.emit('messages.upsert', {
      type: 'notify',
      messages: [
        incomingMedia({
          from: '15554440001@s.whatsapp.net',
          field: 'imageMessage',
          directPath,
          mediaKey,
          mimetype: 'image/jpeg',
          caption: 'the receipt',
        }),
      ],
    })
    const [stored] = await waitFor(async () => {
      const rows = await messagesOf(channel.id)
      return rows.length ? rows : null
    })
    assert.equal(stored.type, 'image')
    assert.equal(stored.body, 'the receipt')
    // The media source is kept encrypted, not in clear.
    const source = await db
      .from('qr_baileys_inbound_media')
      .where('channel_id', channel.id)
      .firstOrFail()
    assert.notInclude(source.source, directPath)
    // Queued right after the message is recorded.
    const job = await waitFor(() =>
      db
        .from('jobs')
        .where('name', 'media.download_inbound')
        .where('workspace_id', workspace.id)
        .first()
    )
    assert.include(job.payload, source.media_id)

    await drainQueue()
    const message = await db.from('messages').where('id', stored.id).firstOrFail()
    assert.equal(message.media_path, `workspaces/${workspace.id}/media/${message.public_id}.jpg`)
    assert.equal(message.media_mime, 'image/jpeg')
    assert.deepEqual([...(await drive.use().getBytes(message.media_path))], [...bytes])
    assert.deepEqual(cdn.fetches, [directPath])

    // The thread serves it like any stored media.
    const response = await client
      .get(`/w/${workspace.slug}/inbox/media/${message.public_id}`)
      .loginAs(workspace.owner)
    response.assertStatus(200)
    assert.equal(response.header('content-type'), 'image/jpeg')
  })

  test('expired media is asked again from the phone; when it cannot be had, a clear give_up', async ({
    client,
    assert,
  }) => {
    const { channel, socket, cdn } = await connected(client)
    const credentials = await credentialsOf(channel.id)
    const driver = new QrDriver()
    const bytes = new Uint8Array(randomBytes(32))
    const mediaKey = new Uint8Array(randomBytes(32))
    const key64 = Buffer.from(mediaKey).toString('base64')
    const old = `/v/old/${randomBytes(4).toString('hex')}.enc`
    const fresh = `/v/new/${randomBytes(4).toString('hex')}.enc`
    const first = incomingMedia({
      from: '15554440002@s.whatsapp.net',
      field: 'documentMessage',
      directPath: old,
      mediaKey,
      mimetype: 'application/pdf',
      fileName: 'invoice.pdf',
    })
    socket.emit('messages.upsert', { type: 'notify', messages: [first] })
    await waitFor(async () => (await messagesOf(channel.id)).length === 1)
    const mediaId = (
      await db.from('qr_baileys_inbound_media').where('channel_id', channel.id).firstOrFail()
    ).media_id

    // Gone from the CDN: the phone uploads it again and the new path is used (and kept).
    socket.reupload = () => ({ directPath: fresh, url: `https://mmg.whatsapp.net${fresh}` })
    cdn.serve(fresh, bytes, key64)
    const file = await driver.downloadMedia(credentials, mediaId)
    assert.deepEqual([...file.bytes], [...bytes])
    assert.equal(file.mimeType, 'application/pdf')
    assert.deepEqual(socket.reuploadRequests, [first.key.id])
    assert.deepEqual(cdn.fetches, [old, fresh])
    await driver.downloadMedia(credentials, mediaId)
    assert.deepEqual(cdn.fetches, [old, fresh, fresh])

    // Gone again and the phone does not answer: give_up with the reason, recorded.
    cdn.expire(fresh)
    socket.reupload = null
    const error = await sendError(driver.downloadMedia(credentials, mediaId))
    assert.equal(error.action, 'give_up')
    assert.equal(error.code, 410)
    assert.include(error.message, 'ask the sender to send it again')
    const row = await db.from('qr_baileys_inbound_media').where('media_id', mediaId).firstOrFail()
    assert.include(row.last_error, 'no longer on WhatsApp')

    // An unknown media id, and another channel's media id, are refused the same way.
    const unknown = await sendError(driver.downloadMedia(credentials, 'qri_0_nothing'))
    assert.equal(unknown.action, 'give_up')
    assert.equal(unknown.code, 404)

    // Through the job: bounded attempts, then failed; the message stays without media.
    const workspace = await db.from('channels').where('id', channel.id).firstOrFail()
    await waitFor(() =>
      db
        .from('jobs')
        .where('name', 'media.download_inbound')
        .where('workspace_id', workspace.workspace_id)
        .first()
    )
    await db
      .from('jobs')
      .where('name', 'media.download_inbound')
      .where('workspace_id', workspace.workspace_id)
      .update({ backoff_ms: 1, available_at: Date.now() })
    await drainQueue()
    const job = await db
      .from('jobs')
      .where('name', 'media.download_inbound')
      .where('workspace_id', workspace.workspace_id)
      .firstOrFail()
    assert.equal(job.status, 'failed')
    assert.include(job.last_error, 'no longer on WhatsApp')
    const [message] = await messagesOf(channel.id)
    assert.isNull(message.media_path)
  })

  test('a redelivered media message keeps one source row and one message', async ({
    client,
    assert,
  }) => {
    const { channel, socket } = await connected(client)
    const message = incomingMedia({
      from: '15554440003@s.whatsapp.net',
      field: 'audioMessage',
      directPath: '/v/audio.enc',
      mediaKey: new Uint8Array(randomBytes(32)),
      mimetype: 'audio/ogg; codecs=opus',
    })
    socket.emit('messages.upsert', { type: 'notify', messages: [message] })
    await waitFor(async () => (await messagesOf(channel.id)).length === 1)
    socket.emit('messages.upsert', { type: 'append', messages: [message] })
    socket.emit('messages.upsert', {
      type: 'notify',
      messages: [incoming({ from: '15554440003@s.whatsapp.net', text: 'after' })],
    })
    await waitFor(async () => (await messagesOf(channel.id)).length === 2)
    const rows = await db.from('qr_baileys_inbound_media').where('channel_id', channel.id)
    assert.lengthOf(rows, 1)
    const jobs = await db
      .from('jobs')
      .where('name', 'media.download_inbound')
      .where('payload', 'like', `%${rows[0].media_id}%`)
    assert.lengthOf(jobs, 1)
  })
})

test.group('QR connector: uploads persist', (group) => {
  group.each.teardown(() => qrRuntime.reset())

  test('an upload survives the process: another manager sends it from storage', async ({
    client,
    assert,
  }) => {
    const { workspace, channel } = await connected(client)
    const credentials = await credentialsOf(channel.id)
    const bytes = new Uint8Array(randomBytes(128))
    const { mediaId } = await new QrDriver().uploadMedia(credentials, {
      bytes,
      mimeType: 'image/png',
      filename: 'photo.png',
    })
    const row = await db.from('qr_baileys_uploads').where('media_id', mediaId).firstOrFail()
    assert.equal(row.workspace_id, workspace.id)
    assert.equal(row.size, 128)
    assert.isTrue(await drive.use().exists(`plugins/qr_baileys/${row.path}`))

    // A restart: nothing of this process remains but the database and the disk.
    await qrRuntime.reset()
    const { fake, manager } = await freshRuntime()
    await db.from('qr_baileys_sessions').where('channel_id', channel.id).update({ desired: 'run' })
    const socket = await openSession(fake, manager, channel.id)
    const sent = await new QrDriver().send(credentials, {
      to: '+15554440009',
      content: { type: 'image', mediaId, caption: 'from storage' },
    })
    assert.equal(sent.providerMessageId, socket.sent[0].id)
    const content = socket.sent[0].content as { image: Buffer; mimetype: string; caption: string }
    assert.deepEqual([...content.image], [...bytes])
    assert.equal(content.mimetype, 'image/png')
    assert.equal(content.caption, 'from storage')

    // Another workspace cannot use the id.
    const other = await qrWorkspace()
    const { channel: otherChannel } = await addNumber(client, other, 'Other phone')
    const refused = await sendError(
      new QrDriver().downloadMedia(await credentialsOf(otherChannel.id), mediaId)
    )
    assert.equal(refused.action, 'give_up')
  })

  test("Meta's size limits bound uploads; expired uploads are purged from disk and table", async ({
    client,
    assert,
  }) => {
    const { channel } = await connected(client)
    const credentials = await credentialsOf(channel.id)
    const driver = new QrDriver()
    const tooBig = await sendError(
      driver.uploadMedia(credentials, {
        bytes: new Uint8Array(5 * 1024 * 1024 + 1),
        mimeType: 'image/jpeg',
        filename: 'big.jpg',
      })
    )
    assert.equal(tooBig.action, 'give_up')
    assert.equal(tooBig.code, 413)
    assert.include(tooBig.message, 'at most 5 MB')

    const { mediaId } = await driver.uploadMedia(credentials, {
      bytes: new Uint8Array([1, 2, 3]),
      mimeType: 'application/pdf',
      filename: 'a.pdf',
    })
    const row = await db.from('qr_baileys_uploads').where('media_id', mediaId).firstOrFail()
    await db
      .from('qr_baileys_uploads')
      .where('media_id', mediaId)
      .update({ expires_at: DateTime.utc().minus({ minutes: 1 }).toFormat('yyyy-MM-dd HH:mm:ss') })
    const expired = await sendError(driver.downloadMedia(credentials, mediaId))
    assert.equal(expired.action, 'give_up')
    const purged = await purgeExpiredMedia(await pluginContext('qr_baileys'))
    assert.isAtLeast(purged.uploads, 1)
    assert.isNull(await db.from('qr_baileys_uploads').where('media_id', mediaId).first())
    assert.isFalse(await drive.use().exists(`plugins/qr_baileys/${row.path}`))
  })
})

test.group('QR connector: LID on the contact', (group) => {
  group.each.teardown(() => qrRuntime.reset())

  test('a contact stored with a legacy "lid:" bsuid is matched and gets contacts.lid', async ({
    client,
    assert,
  }) => {
    const { workspace, channel, socket } = await connected(client)
    const lid = String(Date.now()).slice(-10)
    await db.table('contacts').insert({
      workspace_id: workspace.id,
      public_id: ulid(),
      bsuid: `lid:${lid}`,
      profile_name: 'Legacy',
      created_at: DateTime.utc().toFormat('yyyy-MM-dd HH:mm:ss'),
      updated_at: DateTime.utc().toFormat('yyyy-MM-dd HH:mm:ss'),
    })
    socket.emit('messages.upsert', {
      type: 'notify',
      messages: [incoming({ from: `${lid}@lid`, text: 'still me' })],
    })
    await waitFor(async () => (await messagesOf(channel.id)).length === 1)
    const contacts = await db
      .from('contacts')
      .where('workspace_id', workspace.id)
      .where((query) => query.where('lid', lid).orWhere('bsuid', `lid:${lid}`))
    assert.lengthOf(contacts, 1)
    assert.equal(contacts[0].lid, lid)
    const [message] = await messagesOf(channel.id)
    assert.equal(message.contact_id, contacts[0].id)

    // ctx.contacts.upsert finds the same contact by LID and fills the phone.
    const ctx = await pluginContext('qr_baileys')
    const ref = await ctx.contacts.upsert({ workspaceId: workspace.id, lid, waId: '15554448888' })
    assert.isFalse(ref.created)
    assert.equal(ref.id, contacts[0].id)
    const after = await db.from('contacts').where('id', ref.id).firstOrFail()
    assert.equal(after.wa_id, '15554448888')
    const created = await ctx.contacts.upsert({ workspaceId: workspace.id, lid: `${lid}9` })
    assert.isTrue(created.created)
    assert.equal((await db.from('contacts').where('id', created.id).firstOrFail()).lid, `${lid}9`)
  })
})
