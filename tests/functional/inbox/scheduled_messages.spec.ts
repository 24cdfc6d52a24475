import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import type { ApiClient } from '@japa/api-client'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import ScheduledMessage from '#inbox/models/scheduled_message'
import Notification from '#core/models/notification'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { sendDueScheduledMessages } from '#inbox/jobs/send_scheduled_messages'
import { zoneOfPhone } from '#inbox/services/timezones'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'

async function setup(options: { phone?: string; lastInboundAt?: DateTime | null } = {}) {
  const { workspace, owner } = await makeWorkspace()
  const agent = await makeUser({ fullName: 'Sam Scheduler' })
  await addMember(workspace, agent, 'agent')
  const conversation = await tenancy.run(workspace.id, async () => {
    const channel = await Channel.query().firstOrFail()
    const phone = options.phone ?? '+919812345678'
    const contact = await Contact.create({
      waId: phone.replace('+', ''),
      phone,
      name: 'Priya',
    })
    return Conversation.create({
      contactId: contact.id,
      channelId: channel.id,
      status: 'open',
      unreadCount: 0,
      lastInboundAt: options.lastInboundAt === undefined ? DateTime.now() : options.lastInboundAt,
    })
  })
  return { workspace, owner, agent, conversation }
}

function schedule(
  client: ApiClient,
  workspace: Workspace,
  user: User,
  conversation: Conversation,
  body: Record<string, unknown>
) {
  return client
    .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/scheduled`)
    .loginAs(user)
    .withCsrfToken()
    .header('accept', 'application/json')
    .json({ body: 'Reminder: your appointment is tomorrow', ...body })
}

/** Makes a scheduled row due now (as if its time had come). */
async function makeDue(publicId: string) {
  await db
    .from('scheduled_messages')
    .where('public_id', publicId)
    .update({
      send_at: DateTime.now().minus({ seconds: 5 }).toFormat('yyyy-LL-dd HH:mm:ss'),
    })
}

const local = (at: DateTime) => at.toFormat("yyyy-LL-dd'T'HH:mm")

test.group('Scheduled messages', () => {
  test('the time must be in the future and at most 30 days ahead', async ({ client, assert }) => {
    const { workspace, agent, conversation } = await setup()
    const zone = 'Europe/Paris'
    const past = await schedule(client, workspace, agent, conversation, {
      sendAt: local(DateTime.now().setZone(zone).minus({ hours: 1 })),
      timezone: zone,
    })
    past.assertStatus(422)
    assert.equal(past.body().errors[0].field, 'sendAt')
    assert.match(past.body().errors[0].message, /already passed/)

    const far = await schedule(client, workspace, agent, conversation, {
      sendAt: local(DateTime.now().setZone(zone).plus({ days: 31 })),
      timezone: zone,
    })
    far.assertStatus(422)
    assert.match(far.body().errors[0].message, /30 days/)

    const badZone = await schedule(client, workspace, agent, conversation, {
      sendAt: local(DateTime.now().plus({ days: 1 })),
      timezone: 'Mars/Olympus_Mons',
    })
    badZone.assertStatus(422)
    assert.equal(badZone.body().errors[0].field, 'timezone')

    const badFormat = await schedule(client, workspace, agent, conversation, {
      sendAt: 'tomorrow at ten',
      timezone: zone,
    })
    badFormat.assertStatus(422)
    assert.equal(badFormat.body().errors[0].field, 'sendAt')

    const ok = await schedule(client, workspace, agent, conversation, {
      sendAt: local(DateTime.now().setZone(zone).plus({ days: 29 })),
      timezone: zone,
    })
    ok.assertStatus(201)
    const count = await tenancy.run(workspace.id, () => ScheduledMessage.query())
    assert.lengthOf(count, 1)
  })

  test('contact, agent and named zones turn local time into the right instant', async ({
    client,
    assert,
  }) => {
    const { workspace, agent, conversation } = await setup({ phone: '+919812345678' })
    assert.equal(zoneOfPhone('+919812345678'), 'Asia/Kolkata')
    assert.equal(zoneOfPhone('447700900123'), 'Europe/London')
    assert.isNull(zoneOfPhone('not a phone'))

    const day = DateTime.now().setZone('Asia/Kolkata').plus({ days: 2 }).toISODate()
    const contact = await schedule(client, workspace, agent, conversation, {
      sendAt: `${day}T10:00`,
      timezone: 'contact',
    })
    contact.assertStatus(201)
    assert.equal(contact.body().timezone, 'Asia/Kolkata')
    assert.equal(contact.body().sendAt, `${day}T04:30:00.000Z`)
    assert.equal(contact.body().localSendAt, `${day}T10:00`)
    assert.equal(contact.body().status, 'scheduled')
    assert.equal(contact.body().createdBy, 'Sam Scheduler')
    const stored = await tenancy.run(workspace.id, () =>
      ScheduledMessage.findByOrFail('public_id', contact.body().id)
    )
    assert.equal(stored.sendAt.toUTC().toISO(), `${day}T04:30:00.000Z`)

    const agentZone = await schedule(client, workspace, agent, conversation, {
      sendAt: `${day}T10:00`,
      timezone: 'agent',
      browserTimezone: 'America/New_York',
    })
    agentZone.assertStatus(201)
    const newYork = DateTime.fromISO(`${day}T10:00`, { zone: 'America/New_York' })
    assert.equal(agentZone.body().sendAt, newYork.toUTC().toISO())

    // No browser zone: the workspace's (UTC by default).
    const fallback = await schedule(client, workspace, agent, conversation, {
      sendAt: `${day}T10:00`,
      timezone: 'agent',
    })
    assert.equal(fallback.body().timezone, workspace.timezone)

    // A contact whose number says nothing falls back to the workspace zone.
    const unknown = await setup({ phone: '+999123' })
    const noCountry = await schedule(
      client,
      unknown.workspace,
      unknown.agent,
      unknown.conversation,
      {
        sendAt: `${day}T10:00`,
        timezone: 'contact',
      }
    )
    noCountry.assertStatus(201)
    assert.equal(noCountry.body().timezone, unknown.workspace.timezone)

    const list = await client
      .get(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/scheduled`)
      .loginAs(agent)
      .header('accept', 'application/json')
    list.assertStatus(200)
    assert.lengthOf(list.body(), 3)
    assert.equal(list.body()[0].sendAt, `${day}T04:30:00.000Z`, 'soonest first')
    assert.properties(list.body()[0], [
      'id',
      'body',
      'sendAt',
      'timezone',
      'status',
      'error',
      'createdBy',
    ])
  })

  test('the sweep sends a due message once, as the agent who scheduled it', async ({
    client,
    assert,
  }) => {
    const { workspace, agent, conversation } = await setup()
    const created = await schedule(client, workspace, agent, conversation, {
      sendAt: local(DateTime.now().plus({ hours: 2 })),
      timezone: 'UTC',
    })
    created.assertStatus(201)
    const later = await schedule(client, workspace, agent, conversation, {
      body: 'Not yet',
      sendAt: local(DateTime.now().plus({ hours: 3 })),
      timezone: 'UTC',
    })

    assert.equal(await sendDueScheduledMessages(), 0, 'nothing is due yet')
    await makeDue(created.body().id)
    // Two overlapping sweeps, then one more: one claim in all.
    const claims = await Promise.all([sendDueScheduledMessages(), sendDueScheduledMessages()])
    const again = await sendDueScheduledMessages()
    assert.equal(claims[0] + claims[1] + again, 1)

    const messages = await tenancy.run(workspace.id, () =>
      Message.query().where('conversation_id', conversation.id).where('direction', 'out')
    )
    assert.lengthOf(messages, 1)
    assert.equal(messages[0].body, 'Reminder: your appointment is tomorrow')
    assert.equal(messages[0].sentById, agent.id)
    const scheduled = await tenancy.run(workspace.id, () =>
      ScheduledMessage.findByOrFail('public_id', created.body().id)
    )
    assert.equal(scheduled.status, 'sent')
    assert.equal(scheduled.messageId, messages[0].id)
    const waiting = await tenancy.run(workspace.id, () =>
      ScheduledMessage.findByOrFail('public_id', later.body().id)
    )
    assert.equal(waiting.status, 'scheduled')

    // The queued message really goes out through the sandbox channel.
    await drainQueue({ except: ['inbox.scheduled_sweep'] })
    await tenancy.run(workspace.id, () => messages[0].refresh())
    assert.include(['sent', 'delivered', 'read'], messages[0].status)

    // Sent: no longer listed, no longer editable or cancellable.
    const list = await client
      .get(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/scheduled`)
      .loginAs(agent)
      .header('accept', 'application/json')
    assert.deepEqual(
      list.body().map((item: { id: string }) => item.id),
      [later.body().id]
    )
    const edit = await client
      .put(`/w/${workspace.slug}/inbox/scheduled/${created.body().id}`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ body: 'Too late' })
    edit.assertStatus(409)
    assert.equal(edit.body().errors[0].code, 'E_SCHEDULED_MESSAGE_LOCKED')
  })

  test('edit and cancel only while scheduled', async ({ client, assert }) => {
    const { workspace, agent, conversation } = await setup()
    const created = await schedule(client, workspace, agent, conversation, {
      sendAt: local(DateTime.now().setZone('Asia/Kolkata').plus({ days: 1 })),
      timezone: 'Asia/Kolkata',
    })
    const id = created.body().id
    const url = `/w/${workspace.slug}/inbox/scheduled/${id}`
    const day = DateTime.now().setZone('Asia/Kolkata').plus({ days: 3 }).toISODate()

    const edited = await client
      .put(url)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ body: 'Updated text', sendAt: `${day}T09:00` })
    edited.assertStatus(200)
    assert.equal(edited.body().body, 'Updated text')
    assert.equal(edited.body().timezone, 'Asia/Kolkata', 'the stored zone is kept')
    assert.equal(edited.body().sendAt, `${day}T03:30:00.000Z`)

    const past = await client
      .put(url)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ sendAt: '2020-01-01T09:00' })
    past.assertStatus(422)

    const cancelled = await client
      .delete(url)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
    cancelled.assertStatus(200)
    assert.equal(cancelled.body().status, 'cancelled')

    const twice = await client
      .delete(url)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
    twice.assertStatus(409)
    const edit = await client
      .put(url)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ body: 'Revive' })
    edit.assertStatus(409)

    // A cancelled message is never sent.
    await makeDue(id)
    assert.equal(await sendDueScheduledMessages(), 0)
    const stored = await tenancy.run(workspace.id, () =>
      ScheduledMessage.findByOrFail('public_id', id)
    )
    assert.equal(stored.body, 'Updated text')
    assert.equal(stored.status, 'cancelled')
  })

  test('a closed 24-hour window fails the message and notifies its author', async ({
    client,
    assert,
  }) => {
    const { workspace, agent, conversation } = await setup({
      lastInboundAt: DateTime.now().minus({ hours: 20 }),
    })
    const created = await schedule(client, workspace, agent, conversation, {
      sendAt: local(DateTime.now().plus({ hours: 6 })),
      timezone: 'UTC',
    })
    created.assertStatus(201)
    // Six hours later the window (24 h after the last inbound) has closed.
    await tenancy.run(workspace.id, async () => {
      conversation.lastInboundAt = DateTime.now().minus({ hours: 26 })
      await conversation.save()
    })
    await makeDue(created.body().id)
    assert.equal(await sendDueScheduledMessages(), 1)

    const scheduled = await tenancy.run(workspace.id, () =>
      ScheduledMessage.findByOrFail('public_id', created.body().id)
    )
    assert.equal(scheduled.status, 'failed')
    assert.equal(scheduled.error, 'E_OUTSIDE_SERVICE_WINDOW')
    const sent = await tenancy.run(workspace.id, () =>
      Message.query().where('conversation_id', conversation.id).where('direction', 'out')
    )
    assert.lengthOf(sent, 0)

    const notifications = await tenancy.run(workspace.id, () =>
      Notification.query().where('user_id', agent.id).where('type', 'inbox.scheduled_failed')
    )
    assert.lengthOf(notifications, 1)
    assert.equal(notifications[0].data.conversation, conversation.publicId)
    assert.equal(notifications[0].data.contact, 'Priya')
    assert.equal(notifications[0].data.error, 'E_OUTSIDE_SERVICE_WINDOW')

    // Listed as failed with a readable reason; the sweep does not retry it.
    const list = await client
      .get(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/scheduled`)
      .loginAs(agent)
      .header('accept', 'application/json')
    assert.equal(list.body()[0].status, 'failed')
    assert.equal(list.body()[0].errorCode, 'E_OUTSIDE_SERVICE_WINDOW')
    assert.match(list.body()[0].error, /24-hour/)
    assert.equal(await sendDueScheduledMessages(), 0)
  })

  test('scheduling needs inbox.reply', async ({ client }) => {
    const { workspace, conversation } = await setup()
    const marketer = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    const response = await schedule(client, workspace, marketer, conversation, {
      sendAt: local(DateTime.now().plus({ days: 1 })),
      timezone: 'UTC',
    })
    response.assertStatus(403)
  })

  test("an agent cannot schedule into, edit or cancel in a teammate's conversation", async ({
    client,
    assert,
  }) => {
    const { workspace, owner, agent, conversation } = await setup()
    // The owner schedules in a conversation, then assigns it to a teammate.
    const created = await schedule(client, workspace, owner, conversation, {
      sendAt: local(DateTime.now().plus({ days: 1 })),
      timezone: 'UTC',
    })
    created.assertStatus(201)
    const teammate = await makeUser({ fullName: 'Other Agent' })
    await addMember(workspace, teammate, 'agent')
    await tenancy.run(workspace.id, () =>
      Conversation.query().where('id', conversation.id).update({ assigneeId: teammate.id })
    )

    const refused = await schedule(client, workspace, agent, conversation, {
      sendAt: local(DateTime.now().plus({ days: 1 })),
      timezone: 'UTC',
    })
    refused.assertStatus(403)
    const cancel = await client
      .delete(`/w/${workspace.slug}/inbox/scheduled/${created.body().id}`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
    cancel.assertStatus(403)
    const row = await tenancy.run(workspace.id, () =>
      ScheduledMessage.findByOrFail('public_id', created.body().id)
    )
    assert.equal(row.status, 'scheduled')
    // The teammate it belongs to may.
    const allowed = await schedule(client, workspace, teammate, conversation, {
      sendAt: local(DateTime.now().plus({ days: 2 })),
      timezone: 'UTC',
    })
    allowed.assertStatus(201)
  })
})
