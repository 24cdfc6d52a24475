import { test } from '@japa/runner'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import { parse } from 'csv-parse/sync'
import drive from '@adonisjs/drive/services/main'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import ContactEvent from '#contacts/models/contact_event'
import ContactExport from '#contacts/models/contact_export'
import ContactNote from '#contacts/models/contact_note'
import ContactTag from '#contacts/models/contact_tag'
import CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import AuditLog from '#core/models/audit_log'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { recordConsent } from '#contacts/services/consent'
import { writeFieldValues } from '#contacts/services/custom_fields'
import { sendMessage } from '#inbox/actions/send_message'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'

const MEDIA_BYTES = Buffer.from('fake-jpeg-bytes-for-the-privacy-test')

/** A contact with something in every table a privacy export reads or an erasure touches. */
async function richContact(workspace: Workspace, owner: User) {
  return tenancy.run(workspace.id, async () => {
    const channel = await Channel.query().firstOrFail()
    const field = await CustomField.create({
      key: 'loyalty',
      label: 'Loyalty',
      type: 'text',
      options: [],
      required: false,
      position: 0,
    })
    const contact = await Contact.create({
      phone: '+447700900123',
      waId: '447700900123',
      bsuid: 'US.bsuid.123',
      name: 'Priya Private',
      profileName: 'Priya',
      email: 'priya@example.test',
      locale: 'en',
      timezone: 'Europe/London',
      country: 'GB',
      source: 'inbound',
      messagesIn: 2,
      messagesOut: 1,
      lastInboundAt: DateTime.utc(),
    })
    const tag = await Tag.create({ name: 'Frequent', color: 'green', isPredefined: false })
    await ContactTag.create({ contactId: contact.id, tagId: tag.id })
    await writeFieldValues([{ contactId: contact.id, field, value: 'platinum' }])
    await ContactNote.create({
      contactId: contact.id,
      authorId: owner.id,
      body: 'Allergic to cats',
    })
    await ContactEvent.create({
      contactId: contact.id,
      kind: 'custom',
      name: 'purchase',
      data: { amount: 42, card: '4242' },
      actorId: null,
      occurredAt: DateTime.utc(),
    })
    await recordConsent({
      contactId: contact.id,
      event: 'opt_in',
      scope: 'marketing',
      source: 'form',
      proof: { text: 'Ticked the box at priya@example.test', ip: '203.0.113.9' },
      dedupeKey: 'meta_user_preferences:447700900123:resume:1',
    })
    const conversation = await Conversation.create({
      contactId: contact.id,
      channelId: channel.id,
      status: 'open',
      unreadCount: 0,
      lastInboundAt: DateTime.utc(),
      lastMessageAt: DateTime.utc(),
      lastMessagePreview: 'My address is 1 Privacy Lane',
    })
    const text = await Message.create({
      conversationId: conversation.id,
      channelId: channel.id,
      direction: 'in',
      type: 'text',
      body: 'My address is 1 Privacy Lane',
      payload: { text: { body: 'My address is 1 Privacy Lane' } },
      status: 'received',
      attempts: 0,
    })
    const mediaPath = `workspaces/${workspace.id}/media/privacy-${contact.publicId}.jpg`
    await drive.use().put(mediaPath, MEDIA_BYTES)
    const photo = await Message.create({
      conversationId: conversation.id,
      channelId: channel.id,
      direction: 'in',
      type: 'image',
      body: null,
      payload: { image: { caption: 'me' } },
      status: 'received',
      mediaPath,
      mediaMime: 'image/jpeg',
      attempts: 0,
    })
    const reply = await Message.create({
      conversationId: conversation.id,
      channelId: channel.id,
      direction: 'out',
      type: 'text',
      body: 'Thanks Priya',
      payload: {},
      status: 'delivered',
      attempts: 1,
    })
    return { contact, conversation, text, photo, reply, mediaPath, tag, field }
  })
}

/** Extracts a zip with the unzip CLI into a temporary directory; returns a reader. */
function unzip(bytes: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-zip-'))
  const file = join(dir, 'archive.zip')
  writeFileSync(file, bytes)
  const list = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
  const read = (name: string) => execFileSync('unzip', ['-p', file, name])
  // Integrity check of every entry (CRCs) as yazl wrote them.
  execFileSync('unzip', ['-tq', file])
  return { list, read, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

async function post(client: any, user: User, url: string, body: object = {}) {
  return client
    .post(url)
    .loginAs(user)
    .withCsrfToken()
    .header('accept', 'application/json')
    .json(body)
}

async function archiveOf(workspace: Workspace, exportId: string) {
  const exp = await tenancy.run(workspace.id, () =>
    ContactExport.findByOrFail('public_id', exportId)
  )
  assert(exp.status === 'completed', `export ${exportId} is ${exp.status}: ${exp.failure}`)
  return { exp, bytes: await drive.use().getBytes(exp.filePath!) }
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

test.group('Privacy: contact data export', () => {
  test('a zip with contact.json and the media of its messages, through the signed link', async ({
    client,
    assert: expect,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const data = await richContact(workspace, owner)
    const started = await post(
      client,
      owner,
      `/w/${workspace.slug}/contacts/${data.contact.publicId}/privacy/export`
    )
    started.assertStatus(201)
    expect.equal(started.body().kind, 'contact')
    await drainQueue()

    const { exp, bytes } = await archiveOf(workspace, started.body().id)
    expect.equal(exp.processedRows, 3)
    const zip = unzip(bytes)
    try {
      expect.sameMembers(zip.list, ['contact.json', `media/${data.photo.publicId}.jpg`])
      const json = JSON.parse(zip.read('contact.json').toString('utf8'))
      expect.equal(json.profile.id, data.contact.publicId)
      expect.equal(json.profile.phone, '+447700900123')
      expect.equal(json.profile.email, 'priya@example.test')
      expect.deepEqual(json.customFields, [
        { key: 'loyalty', label: 'Loyalty', type: 'text', value: 'platinum' },
      ])
      expect.deepEqual(json.tags, ['Frequent'])
      expect.equal(json.notes[0].body, 'Allergic to cats')
      expect.equal(json.consentEvents[0].event, 'opt_in')
      expect.equal(json.consentEvents[0].proofIp, '203.0.113.9')
      expect.deepEqual(json.events[0].data, { amount: 42, card: '4242' })
      expect.lengthOf(json.conversations, 1)
      const messages = json.conversations[0].messages
      expect.deepEqual(
        messages.map((message: any) => message.id),
        [data.text.publicId, data.photo.publicId, data.reply.publicId]
      )
      expect.equal(messages[0].body, 'My address is 1 Privacy Lane')
      expect.equal(messages[1].media, `media/${data.photo.publicId}.jpg`)
      expect.deepEqual(zip.read(`media/${data.photo.publicId}.jpg`), MEDIA_BYTES)
    } finally {
      zip.cleanup()
    }

    // Same signed download as CSV exports, audited.
    const show = await client
      .get(`/w/${workspace.slug}/contacts/exports/${exp.publicId}`)
      .loginAs(owner)
      .header('accept', 'application/json')
    const response = await client.get(show.body().downloadUrl).loginAs(owner)
    response.assertStatus(200)
    expect.equal(response.header('content-type'), 'application/zip')
    expect.equal(Number(response.header('content-length')), bytes.length)
    const actions = (
      await AuditLog.query().where('workspace_id', workspace.id).where('target_id', exp.publicId)
    ).map((entry) => entry.action)
    expect.includeMembers(actions, ['contacts.export_completed', 'contacts.export_downloaded'])
    const requested = await AuditLog.query()
      .where('action', 'contacts.export_requested')
      .where('target_id', data.contact.publicId)
      .firstOrFail()
    expect.equal(requested.actorId, owner.id)

    // Without contacts.export: 403; another workspace's contact: 404.
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const denied = await post(
      client,
      agent,
      `/w/${workspace.slug}/contacts/${data.contact.publicId}/privacy/export`
    )
    denied.assertStatus(403)
    const { workspace: other, owner: intruder } = await makeWorkspace()
    const foreign = await post(
      client,
      intruder,
      `/w/${other.slug}/contacts/${data.contact.publicId}/privacy/export`
    )
    foreign.assertStatus(404)
  })
})

test.group('Privacy: workspace export', () => {
  test('the owner exports the whole workspace; an admin cannot', async ({
    client,
    assert: expect,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const data = await richContact(workspace, owner)
    await tenancy.run(workspace.id, () =>
      Segment.create({
        name: 'Frequent ones',
        definition: {
          type: 'group',
          match: 'all',
          conditions: [{ type: 'tag', op: 'has', tag: 'Frequent' }],
        },
        createdBy: owner.id,
      })
    )
    const admin = await makeUser()
    await addMember(workspace, admin, 'admin')
    ;(await post(client, admin, `/w/${workspace.slug}/settings/privacy/export`)).assertStatus(403)
    const page = await client
      .get(`/w/${workspace.slug}/settings/privacy`)
      .header('accept', 'application/json')
      .loginAs(admin)
    page.assertStatus(403)

    const started = await post(client, owner, `/w/${workspace.slug}/settings/privacy/export`)
    started.assertStatus(201)
    expect.equal(started.body().kind, 'workspace')
    await drainQueue()
    const { bytes } = await archiveOf(workspace, started.body().id)
    const zip = unzip(bytes)
    try {
      expect.sameMembers(zip.list, [
        'contacts.csv',
        'custom_fields.json',
        'tags.json',
        'segments.json',
        'conversations.jsonl',
        'messages.jsonl',
        'notes.jsonl',
        'consent_events.csv',
      ])
      const contacts = parse(zip.read('contacts.csv'), { columns: true }) as Record<
        string,
        string
      >[]
      expect.lengthOf(contacts, 1)
      expect.equal(contacts[0].id, data.contact.publicId)
      expect.equal(contacts[0].loyalty, 'platinum')
      expect.equal(JSON.parse(zip.read('custom_fields.json').toString())[0].key, 'loyalty')
      expect.include(
        JSON.parse(zip.read('tags.json').toString()).map((tag: any) => tag.name),
        'Frequent'
      )
      expect.equal(JSON.parse(zip.read('segments.json').toString())[0].name, 'Frequent ones')
      const conversations = zip.read('conversations.jsonl').toString().trim().split('\n')
      expect.lengthOf(conversations, 1)
      expect.equal(JSON.parse(conversations[0]).contact, data.contact.publicId)
      const messages = zip
        .read('messages.jsonl')
        .toString()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      expect.deepEqual(
        messages.map((message) => message.id),
        [data.text.publicId, data.photo.publicId, data.reply.publicId]
      )
      expect.equal(messages[0].conversation, data.conversation.publicId)
      expect.deepEqual(messages[0].payload, { text: { body: 'My address is 1 Privacy Lane' } })
      expect.equal(JSON.parse(zip.read('notes.jsonl').toString()).body, 'Allergic to cats')
      const consent = parse(zip.read('consent_events.csv'), { columns: true }) as any[]
      expect.lengthOf(consent, 1)
      expect.equal(consent[0].contact, data.contact.publicId)
      expect.equal(consent[0].source, 'form')
    } finally {
      zip.cleanup()
    }

    const settings = await client
      .get(`/w/${workspace.slug}/settings/privacy`)
      .loginAs(owner)
      .withInertia()
    settings.assertStatus(200)
    settings.assertInertiaComponent('settings/privacy')
    expect.equal((settings.inertiaProps as any).exports[0].id, started.body().id)
  })
})

test.group('Privacy: erasure', () => {
  test('personal data removed, counts kept, messages redacted, consent anonymised, audited', async ({
    client,
    assert: expect,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const data = await richContact(workspace, owner)
    const url = `/w/${workspace.slug}/contacts/${data.contact.publicId}/privacy/erase`

    // Permission and confirmation first: nothing changes.
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    ;(await post(client, agent, url, { confirm: 'ERASE' })).assertStatus(403)
    const wrong = await post(client, owner, url, { confirm: '+44 7700 900999' })
    wrong.assertStatus(422)
    const untouched = await db.from('contacts').where('id', data.contact.id).first()
    expect.equal(untouched.name, 'Priya Private')
    expect.isNull(untouched.erased_at)

    // A data export made before the erasure.
    const archive = await post(
      client,
      owner,
      `/w/${workspace.slug}/contacts/${data.contact.publicId}/privacy/export`
    )
    await drainQueue()
    const before = await archiveOf(workspace, archive.body().id)

    // The phone number, typed with spaces, confirms.
    const response = await post(client, owner, url, { confirm: '+44 7700 900123' })
    response.assertStatus(200)
    expect.isNotNull(response.body().erasedAt)
    expect.containsSubset(response.body(), {
      contact: data.contact.publicId,
      fieldValues: 1,
      tags: 1,
      notes: 1,
      events: 1,
      conversations: 1,
      messages: 3,
      mediaFiles: 1,
      consentEvents: 1,
    })

    const row = await db.from('contacts').where('id', data.contact.id).first()
    for (const column of [
      'name',
      'profile_name',
      'phone',
      'email',
      'wa_id',
      'bsuid',
      'lid',
      'locale',
      'timezone',
    ]) {
      expect.isNull(row[column], `${column} is erased`)
    }
    expect.isNotNull(row.erased_at)
    expect.equal(row.public_id, data.contact.publicId)
    expect.equal(row.country, 'GB')
    expect.equal(Number(row.messages_in), 2)
    expect.equal(Number(row.messages_out), 1)

    const scoped = (table: string) => db.from(table).where('workspace_id', workspace.id)
    expect.lengthOf(await scoped('contact_field_values').where('contact_id', data.contact.id), 0)
    expect.lengthOf(await scoped('contact_tags').where('contact_id', data.contact.id), 0)
    expect.lengthOf(await scoped('contact_notes').where('contact_id', data.contact.id), 0)
    const events = await scoped('contact_events').where('contact_id', data.contact.id)
    expect.lengthOf(events, 1)
    expect.isNull(events[0].data)
    expect.equal(events[0].kind, 'custom')

    const messages = await scoped('messages')
      .where('conversation_id', data.conversation.id)
      .orderBy('id')
    expect.lengthOf(messages, 3, 'message rows stay for the counts')
    for (const message of messages) {
      expect.isNull(message.body)
      expect.equal(message.payload, '{}')
      expect.isNull(message.media_path)
    }
    expect.deepEqual(
      messages.map((message) => message.direction),
      ['in', 'in', 'out']
    )
    expect.isFalse(await drive.use().exists(data.mediaPath), 'the media file is deleted')
    const conversation = await scoped('conversations').where('id', data.conversation.id).first()
    expect.isNull(conversation.last_message_preview)

    const consent = await scoped('consent_events').where('contact_id', data.contact.id)
    expect.lengthOf(consent, 1, 'the consent log keeps its row')
    expect.containsSubset(consent[0], { event: 'opt_in', scope: 'marketing', source: 'form' })
    expect.isNull(consent[0].proof_text)
    expect.isNull(consent[0].proof_ip)
    expect.isNull(consent[0].dedupe_key)
    expect.isNotNull(consent[0].occurred_at)

    const entry = await AuditLog.query()
      .where('action', 'contacts.erased')
      .where('target_id', data.contact.publicId)
      .firstOrFail()
    expect.equal(entry.actorId, owner.id)
    expect.equal(entry.workspaceId, workspace.id)
    expect.containsSubset(entry.after, { messages: 3, consentEvents: 1, mediaFiles: 1 })

    // The earlier archive held what was erased: its file is gone, the export expired.
    expect.isFalse(await drive.use().exists(before.exp.filePath!))
    const expiredArchive = await db
      .from('contact_exports')
      .where('public_id', archive.body().id)
      .first()
    expect.isNull(expiredArchive.file_path)

    // A second erasure is refused.
    ;(await post(client, owner, url, { confirm: 'ERASE' })).assertStatus(409)

    // Messaging the erased contact fails cleanly: no recipient left.
    const message = await tenancy.run(workspace.id, async () => {
      const fresh = await Conversation.findOrFail(data.conversation.id)
      return sendMessage({ conversation: fresh, content: { type: 'text', text: 'Hello?' } })
    })
    await drainQueue()
    const sent = await db.from('messages').where('id', message.id).first()
    expect.equal(sent.status, 'failed')
    expect.equal(sent.error_title, 'No recipient')
  })

  test('an erased contact leaves CSV exports and its workspace siblings untouched', async ({
    client,
    assert: expect,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const data = await richContact(workspace, owner)
    const sibling = await tenancy.run(workspace.id, () =>
      Contact.create({ phone: '+447700900456', name: 'Sam Sibling', source: 'manual' })
    )
    await post(
      client,
      owner,
      `/w/${workspace.slug}/contacts/${data.contact.publicId}/privacy/erase`,
      {
        confirm: 'erase',
      }
    ).then((response: any) => response.assertStatus(200))

    const started = await post(client, owner, `/w/${workspace.slug}/contacts/exports`, {})
    started.assertStatus(201)
    await drainQueue()
    const { bytes } = await archiveOf(workspace, started.body().id)
    const rows = parse(Buffer.from(bytes), { columns: true }) as Record<string, string>[]
    expect.deepEqual(
      rows.map((row) => row.id),
      [sibling.publicId]
    )
    const kept = await db.from('contacts').where('id', sibling.id).first()
    expect.equal(kept.name, 'Sam Sibling')
  })
})
