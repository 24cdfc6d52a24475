import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { ulid } from 'ulidx'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { recordInboundBatch } from '#inbox/actions/record_inbound_batch'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { inbound } from '#tests/helpers/inbox'

function contactOf(workspace: Workspace, phone: string) {
  return tenancy.run(workspace.id, () => Contact.query().where('phone', phone).firstOrFail())
}

async function countContacts(workspace: Workspace) {
  const rows = await tenancy.run(workspace.id, () => Contact.query().count('* as total'))
  return Number(rows[0].$extras.total)
}

/** Inbound items for the batch path, from the workspace's sandbox number. */
async function batchOf(workspace: Workspace, messages: { waId: string; at: DateTime }[]) {
  const channel = await tenancy.run(workspace.id, () =>
    Channel.query().where('driver', 'sandbox').firstOrFail()
  )
  return messages.map(({ waId, at }) => ({
    channel,
    item: {
      kind: 'message' as const,
      wabaId: null,
      phoneNumberId: channel.phoneNumberId ?? `sandbox:${channel.publicId}`,
      displayPhoneNumber: channel.displayPhoneNumber,
      contact: { waId, bsuid: null, profileName: 'Batch customer' },
      providerMessageId: `wamid.test.${ulid()}`,
      type: 'text',
      timestamp: Math.floor(at.toSeconds()),
      body: 'hi',
      replyTo: null,
      media: null,
      payload: { text: { body: 'hi' } },
    },
  }))
}

test.group('Contacts: identity on inbound, engagement counters', () => {
  test('an inbound message from an imported number lands on that contact and counts', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const imported = await tenancy.run(workspace.id, () =>
      Contact.create({ phone: '+15550900001', name: 'Imported Ann', source: 'import' })
    )
    const first = DateTime.now().minus({ minutes: 5 }).startOf('second')
    await inbound(workspace, { waId: '15550900001', name: 'Ann', at: first })
    await inbound(workspace, { waId: '15550900001', at: first.plus({ minutes: 1 }) })

    assert.equal(await countContacts(workspace), 1)
    const contact = await contactOf(workspace, '+15550900001')
    assert.equal(contact.id, imported.id)
    assert.equal(contact.waId, '15550900001')
    assert.equal(contact.name, 'Imported Ann')
    assert.equal(contact.source, 'import')
    assert.equal(contact.messagesIn, 2)
    assert.equal(contact.lastInboundAt!.toISO(), first.plus({ minutes: 1 }).toUTC().toISO())
    assert.equal(contact.lastSeenAt!.toISO(), first.plus({ minutes: 1 }).toUTC().toISO())
  })

  test('the batch path matches by phone and adds up messages, times never going back', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, () =>
      Contact.create({ phone: '+15550900011', name: 'Known', source: 'manual' })
    )
    const at = DateTime.now().minus({ minutes: 10 }).startOf('second')
    const items = await batchOf(workspace, [
      { waId: '15550900011', at },
      { waId: '15550900011', at: at.plus({ minutes: 2 }) },
      { waId: '15550900012', at },
    ])
    await tenancy.run(workspace.id, () => recordInboundBatch(items))
    // An older message delivered late: counted, but the last-inbound time stays.
    await tenancy.run(workspace.id, async () =>
      recordInboundBatch(
        await batchOf(workspace, [{ waId: '15550900011', at: at.minus({ hours: 1 }) }])
      )
    )

    assert.equal(await countContacts(workspace), 2)
    const known = await contactOf(workspace, '+15550900011')
    assert.equal(known.name, 'Known')
    assert.equal(known.waId, '15550900011')
    assert.equal(known.messagesIn, 3)
    assert.equal(known.lastInboundAt!.toISO(), at.plus({ minutes: 2 }).toUTC().toISO())
    const fresh = await contactOf(workspace, '+15550900012')
    assert.equal(fresh.messagesIn, 1)
    assert.equal(fresh.source, 'inbound')
  })

  test('a sent reply counts as outbound with its time', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation } = await inbound(workspace, { waId: '15550900021' })
    const response = await client
      .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ text: 'Hello from the team' })
    response.assertStatus(201)
    await drainQueue()
    const contact = await contactOf(workspace, '+15550900021')
    assert.equal(contact.messagesOut, 1)
    assert.equal(contact.messagesIn, 1)
    assert.isNotNull(contact.lastOutboundAt)
    assert.isBelow(Math.abs(contact.lastOutboundAt!.diffNow().as('seconds')), 60)
  })
})
