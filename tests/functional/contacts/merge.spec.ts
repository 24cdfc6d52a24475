import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import ContactEvent from '#contacts/models/contact_event'
import ContactNote from '#contacts/models/contact_note'
import CustomField from '#contacts/models/custom_field'
import Tag from '#contacts/models/tag'
import AuditLog from '#core/models/audit_log'
import Conversation from '#inbox/models/conversation'
import type User from '#core/models/user'
import { recordConsent } from '#contacts/services/consent'
import { fieldValuesOf, writeFieldValues } from '#contacts/services/custom_fields'
import { tagContacts } from '#contacts/actions/tag_contacts'
import { tenancy } from '#core/tenancy/context'
import { makeWorkspace } from '#tests/helpers/fixtures'

function send(client: ApiClient, user: User, url: string, body: object) {
  return client
    .post(url)
    .loginAs(user)
    .withCsrfToken()
    .header('accept', 'application/json')
    .json(body)
}

test.group('Contacts: duplicates and merge', () => {
  test('possible duplicates: same email, same name and country, wa_id digits vs phone', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { main, byEmail, byName, byWa } = await tenancy.run(workspace.id, async () => ({
      main: await Contact.create({
        name: 'Amina Diallo',
        country: 'SN',
        phone: '+221771234567',
        email: 'amina@example.test',
        source: 'manual',
      }),
      byEmail: await Contact.create({
        email: 'amina@example.test',
        phone: '+221771234500',
        source: 'import',
      }),
      byName: await Contact.create({
        name: 'Amina Diallo',
        country: 'SN',
        source: 'import',
        phone: '+221771234501',
      }),
      byWa: await Contact.create({ waId: '221771234567', source: 'inbound' }),
    }))
    await tenancy.run(workspace.id, () =>
      Contact.create({
        name: 'Amina Diallo',
        country: 'FR',
        source: 'manual',
        phone: '+33612345678',
      })
    )
    const page = await client
      .get(`/w/${workspace.slug}/contacts/${main.publicId}`)
      .loginAs(owner)
      .withInertia()
    page.assertStatus(200)
    const duplicates = (page.inertiaProps as any).duplicates as { id: string; reasons: string[] }[]
    assert.sameDeepMembers(
      duplicates.map((row) => [row.id, row.reasons]),
      [
        [byEmail.publicId, ['email']],
        [byName.publicId, ['name_country']],
        [byWa.publicId, ['whatsapp_phone']],
      ]
    )
  })

  test('merge moves everything in one go, keeps the target’s values and deletes the other', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const old = DateTime.utc().minus({ days: 30 }).startOf('second')
    const recent = DateTime.utc().minus({ hours: 1 }).startOf('second')
    const setup = await tenancy.run(workspace.id, async () => {
      const channel = await Channel.query().firstOrFail()
      const target = await Contact.create({
        name: 'Amina',
        phone: '+221771234567',
        source: 'manual',
        messagesIn: 2,
        messagesOut: 1,
        lastInboundAt: old,
        createdAt: recent,
      })
      const other = await Contact.create({
        profileName: 'Amina D.',
        waId: '221770000001',
        bsuid: 'SN.bsuid.1',
        email: 'amina@example.test',
        source: 'inbound',
        messagesIn: 5,
        messagesOut: 4,
        campaignsReceived: 1,
        lastInboundAt: recent,
        createdAt: old,
      })
      const conversation = await Conversation.create({
        contactId: other.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
      })
      const [vip, lead] = await Promise.all([
        Tag.query().where('name', 'VIP').firstOrFail(),
        Tag.query().where('name', 'Lead').firstOrFail(),
      ])
      await tagContacts([target.id, other.id], vip.id)
      await tagContacts([other.id], lead.id)
      const plan = await CustomField.create({
        key: 'plan',
        label: 'Plan',
        type: 'text',
        options: [],
        required: false,
        position: 0,
      })
      const city = await CustomField.create({
        key: 'city',
        label: 'City',
        type: 'text',
        options: [],
        required: false,
        position: 1,
      })
      await writeFieldValues([
        { contactId: target.id, field: plan, value: 'Gold' },
        { contactId: other.id, field: plan, value: 'Silver' },
        { contactId: other.id, field: city, value: 'Dakar' },
      ])
      await ContactNote.create({ contactId: other.id, authorId: owner.id, body: 'from other' })
      await recordConsent({
        contactId: other.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'form',
      })
      await ContactEvent.create({
        contactId: other.id,
        kind: 'custom',
        name: 'visited',
        data: {},
        actorId: null,
        occurredAt: recent,
      })
      return { target, other, conversation, vip, lead, fields: [plan, city] }
    })
    const { target, other } = setup

    const url = `/w/${workspace.slug}/contacts/${target.publicId}/merge`
    const self = await send(client, owner, url, { other: target.publicId })
    self.assertStatus(422)
    const merged = await send(client, owner, url, { other: other.publicId })
    merged.assertStatus(200)

    await tenancy.run(workspace.id, async () => {
      assert.isNull(await Contact.find(other.id))
      const kept = await Contact.findOrFail(target.id)
      assert.equal(kept.name, 'Amina')
      assert.equal(kept.phone, '+221771234567')
      assert.equal(kept.waId, '221770000001')
      assert.equal(kept.bsuid, 'SN.bsuid.1')
      assert.equal(kept.profileName, 'Amina D.')
      assert.equal(kept.email, 'amina@example.test')
      assert.equal(kept.messagesIn, 7)
      assert.equal(kept.messagesOut, 5)
      assert.equal(kept.campaignsReceived, 1)
      assert.equal(kept.createdAt.toSeconds(), old.toSeconds())
      assert.equal(kept.lastInboundAt!.toSeconds(), recent.toSeconds())

      const conversation = await Conversation.findOrFail(setup.conversation.id)
      assert.equal(conversation.contactId, target.id)
      const pivots = await db
        .from('contact_tags')
        .where('workspace_id', workspace.id)
        .where('contact_id', target.id)
        .orderBy('tag_id')
      assert.sameMembers(
        pivots.map((row) => Number(row.tag_id)),
        [setup.vip.id, setup.lead.id]
      )
      assert.lengthOf(pivots, 2, 'no duplicate pivot for the shared tag')
      const values = (await fieldValuesOf([target.id], setup.fields)).get(target.id)
      assert.deepEqual(values, { plan: 'Gold', city: 'Dakar' })
      assert.lengthOf(await ContactNote.query().where('contact_id', target.id), 1)
      const consent = await db
        .from('consent_events')
        .where('workspace_id', workspace.id)
        .where('contact_id', target.id)
      assert.lengthOf(consent, 1)
      const events = await ContactEvent.query().where('contact_id', target.id).orderBy('id')
      assert.sameMembers(
        events.map((event) => event.kind),
        ['custom', 'merged']
      )
      const mergedEvent = events.find((event) => event.kind === 'merged')!
      assert.equal(mergedEvent.data.from, other.publicId)
      assert.equal(mergedEvent.actorId, owner.id)
      const audit = await AuditLog.query()
        .where('action', 'contacts.merged')
        .where('workspace_id', workspace.id)
        .firstOrFail()
      assert.equal(audit.targetId, target.publicId)
    })
  })

  test('a contact of another workspace cannot be merged in', async ({ client, assert }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const mine = await tenancy.run(a.workspace.id, () =>
      Contact.create({ name: 'Mine', phone: '+33612345678', source: 'manual' })
    )
    const theirs = await tenancy.run(b.workspace.id, () =>
      Contact.create({ name: 'Theirs', phone: '+33612345679', source: 'manual' })
    )
    const refused = await send(
      client,
      a.owner,
      `/w/${a.workspace.slug}/contacts/${mine.publicId}/merge`,
      {
        other: theirs.publicId,
      }
    )
    refused.assertStatus(422)
    assert.isNotNull(await tenancy.run(b.workspace.id, () => Contact.find(theirs.id)))
  })
})
