import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import transmit from '@adonisjs/transmit/services/main'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import Membership from '#core/models/membership'
import Notification from '#core/models/notification'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { sandboxChannelKey, sandboxOutbox } from '#channels/drivers/sandbox_driver'
import { flushInboxPushes } from '#inbox/listeners/push_to_inbox'
import { recordInboundBatch } from '#inbox/actions/record_inbound_batch'
import { wakeSnoozed } from '#inbox/jobs/wake_snoozed'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { batchItem, inbound, reload } from '#tests/helpers/inbox'

const json = (request: any) => request.header('accept', 'application/json')

function memberId(workspace: Workspace, user: User) {
  return tenancy.run(workspace.id, async () => {
    const membership = await Membership.query().where('user_id', user.id).firstOrFail()
    return membership.publicId
  })
}

test.group('Inbox notes and mentions', (group) => {
  let pushes: { channel: string; payload: any }[] = []
  const original = transmit.broadcast.bind(transmit)
  group.each.setup(() => {
    pushes = []
    sandboxOutbox.clear()
    transmit.broadcast = ((channel: string, payload: any) => {
      pushes.push({ channel, payload })
    }) as typeof transmit.broadcast
    return () => {
      transmit.broadcast = original
    }
  })

  test('a note is stored in the thread, never sent, and notifies the mentioned members', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const lina = await makeUser({ fullName: 'Lina Haddad' })
    const omar = await makeUser({ fullName: 'Omar' })
    const bystander = await makeUser({ fullName: 'Zed' })
    await addMember(workspace, lina, 'agent')
    await addMember(workspace, omar, 'agent')
    await addMember(workspace, bystander, 'agent')
    const { conversation } = await inbound(workspace, { waId: '15550600001', text: 'Help!' })
    const before = await reload(workspace, conversation)
    await flushInboxPushes()
    pushes = []

    const response = await json(
      client
        .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/notes`)
        .loginAs(owner)
        .withCsrfToken()
        .json({
          text: '@Lina Haddad can you take this? cc @owner',
          mentions: [await memberId(workspace, omar), '01UNKNOWNMEMBER'],
        })
    )
    response.assertStatus(201)
    const note = response.body()
    assert.equal(note.direction, 'note')
    assert.equal(note.type, 'text')
    assert.equal(note.status, 'received')
    assert.equal(note.sender.name, 'Owner')
    assert.sameMembers(
      note.mentions.map((agent: any) => agent.name),
      ['Lina Haddad', 'Omar', 'Owner']
    )

    await drainQueue()
    const channel = await tenancy.run(workspace.id, () => Channel.query().firstOrFail())
    assert.lengthOf(sandboxOutbox.entries(sandboxChannelKey(channel.credentials())), 0)
    const after = await reload(workspace, conversation)
    assert.equal(after.unreadCount, before.unreadCount)
    assert.equal(after.lastMessagePreview, 'Help!')
    assert.equal(after.lastMessageDirection, 'in')
    assert.equal(after.lastMessageAt!.toISO(), before.lastMessageAt!.toISO())
    assert.equal(after.agentReplyCount, 0)
    const stored = await tenancy.run(workspace.id, () =>
      Message.query().where('public_id', note.id).firstOrFail()
    )
    assert.isNull(stored.providerMessageId)

    const notified = await tenancy.run(workspace.id, () =>
      Notification.query().where('type', 'inbox.mention')
    )
    // The author mentioned themselves: no notification for them.
    assert.sameMembers(
      notified.map((item) => item.userId),
      [lina.id, omar.id]
    )
    assert.equal(notified[0].data.conversation, conversation.publicId)
    assert.equal(notified[0].data.author, 'Owner')
    assert.include(String(notified[0].data.excerpt), 'can you take this')

    // The note shows in the thread and in the mentioned member's bell.
    const thread = await json(
      client
        .get(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(lina)
    )
    assert.deepEqual(
      thread.body().items.map((item: any) => item.direction),
      ['in', 'note']
    )
    const page = await client.get(`/w/${workspace.slug}/inbox`).loginAs(lina).withInertia()
    const bell = (page.inertiaProps as any).notifications
    assert.equal(bell.unread, 1)
    assert.equal(bell.latest[0].type, 'inbox.mention')

    await flushInboxPushes()
    const items = pushes
      .filter((push) => push.channel === `workspaces/${workspace.publicId}/inbox`)
      .flatMap((push) => push.payload.items)
    const created = items.find((item: any) => item.kind === 'note.created')
    assert.equal(created.message, note.id)
    const mention = items.find((item: any) => item.kind === 'note.mention')
    assert.sameMembers(mention.mentioned, [
      await memberId(workspace, lina),
      await memberId(workspace, omar),
    ])
  })

  test('message pushes carry the assignee; changes push conversation.updated', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation } = await inbound(workspace, { waId: '15550600002', text: 'hello' })
    await tenancy.run(workspace.id, async () => {
      const stored = await Conversation.findOrFail(conversation.id)
      stored.assigneeId = owner.id
      await stored.save()
    })
    await flushInboxPushes()
    pushes = []
    await inbound(workspace, { waId: '15550600002', text: 'again' })
    const base = `/w/${workspace.slug}/inbox/conversations/${conversation.publicId}`
    await json(client.put(`${base}/priority`).loginAs(owner).withCsrfToken().json({ priority: 4 }))
    await json(
      client.put(`${base}/status`).loginAs(owner).withCsrfToken().json({ status: 'pending' })
    )
    await flushInboxPushes()
    const items = pushes.flatMap((push) => push.payload.items)
    const ownerId = await memberId(workspace, owner)
    const received = items.find((item: any) => item.kind === 'message.received')
    assert.equal(received.assignee, ownerId)
    // Pushes are coalesced per 25 ms: the two changes may come in one item or two.
    const updated = items.filter((item: any) => item.kind === 'conversation.updated')
    assert.sameMembers(
      [...new Set(updated.flatMap((item: any) => item.changes))],
      ['priority', 'status']
    )
    assert.equal(updated.at(-1).status, 'pending')
    assert.equal(updated.at(-1).assignee, ownerId)
  })
})

test.group('Inbox status, snooze, reopen and metrics', () => {
  test('snooze needs a future time within 30 days; the job and a new message wake it', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation } = await inbound(workspace, { waId: '15550700001', text: 'later' })
    const url = `/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/status`
    const put = (body: Record<string, unknown>) =>
      json(client.put(url).loginAs(owner).withCsrfToken().json(body))

    const past = await put({
      status: 'snoozed',
      snoozedUntil: DateTime.now().minus({ hours: 1 }).toISO(),
    })
    past.assertStatus(422)
    assert.equal(past.body().errors[0].code, 'E_INVALID_SNOOZE')
    const far = await put({
      status: 'snoozed',
      snoozedUntil: DateTime.now().plus({ days: 31 }).toISO(),
    })
    far.assertStatus(422)
    const missing = await put({ status: 'snoozed' })
    missing.assertStatus(422)

    const until = DateTime.now().plus({ hours: 3 })
    const ok = await put({ status: 'snoozed', snoozedUntil: until.toISO() })
    ok.assertStatus(200)
    assert.equal(ok.body().status, 'snoozed')
    assert.equal(ok.body().snoozedUntil, until.set({ millisecond: 0 }).toUTC().toISO())

    assert.equal(await wakeSnoozed(DateTime.now()), 0)
    assert.equal((await reload(workspace, conversation)).status, 'snoozed')
    assert.isAtLeast(await wakeSnoozed(until.plus({ minutes: 1 })), 1)
    const woken = await reload(workspace, conversation)
    assert.equal(woken.status, 'open')
    assert.isNull(woken.snoozedUntil)

    // Snoozed again, then the customer writes: open at once.
    await put({ status: 'snoozed', snoozedUntil: until.toISO() }).then((r: any) =>
      r.assertStatus(200)
    )
    await inbound(workspace, { waId: '15550700001', text: 'actually now' })
    const reopened = await reload(workspace, conversation)
    assert.equal(reopened.status, 'open')
    assert.isNull(reopened.snoozedUntil)
    assert.equal(reopened.reopenCount, 0, 'waking from a snooze is not a reopen')
  })

  test('resolve and reopen: resolution time per cycle, reopen count, agent handled', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation } = await inbound(workspace, { waId: '15550700002', text: 'issue' })
    await tenancy.run(workspace.id, () =>
      db
        .from('conversations')
        .where('id', conversation.id)
        .update({
          created_at: DateTime.now().minus({ minutes: 30 }).toFormat('yyyy-LL-dd HH:mm:ss'),
        })
    )
    const url = `/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/status`
    const put = (body: Record<string, unknown>) =>
      json(client.put(url).loginAs(owner).withCsrfToken().json(body))

    const resolved = await put({ status: 'resolved' })
    resolved.assertStatus(200)
    assert.approximately(resolved.body().metrics.resolutionSeconds, 1800, 5)
    let stored = await reload(workspace, conversation)
    assert.equal(stored.status, 'resolved')
    assert.isNotNull(stored.resolvedAt)

    // The customer writes again within 7 days: the same conversation reopens.
    const { conversation: again } = await inbound(workspace, {
      waId: '15550700002',
      text: 'still broken',
    })
    assert.equal(again.id, conversation.id)
    stored = await reload(workspace, conversation)
    assert.equal(stored.status, 'open')
    assert.equal(stored.reopenCount, 1)
    assert.isNotNull(stored.reopenedAt)

    // Resolved again: measured from the reopen, not from the creation.
    const second = await put({ status: 'resolved' })
    assert.isBelow(second.body().metrics.resolutionSeconds, 60)
    // Reopened by hand.
    const reopened = await put({ status: 'open' })
    assert.equal(reopened.body().metrics.reopenCount, 2)

    const handled = await db
      .from('agent_conversations')
      .where('workspace_id', workspace.id)
      .where('user_id', owner.id)
    assert.lengthOf(handled, 1)
    assert.equal(Number(handled[0].resolutions), 2)
  })

  test('the batch path keeps previews, reopens and counts like the single path', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const { conversation: resolved } = await inbound(workspace, { waId: '15550700003', text: 'a' })
    const { conversation: snoozed } = await inbound(workspace, { waId: '15550700004', text: 'b' })
    await tenancy.run(workspace.id, async () => {
      await Conversation.query()
        .where('id', resolved.id)
        .update({ status: 'resolved', resolved_at: DateTime.now().toFormat('yyyy-LL-dd HH:mm:ss') })
      await Conversation.query()
        .where('id', snoozed.id)
        .update({
          status: 'snoozed',
          snoozed_until: DateTime.now().plus({ days: 1 }).toFormat('yyyy-LL-dd HH:mm:ss'),
        })
    })
    const channel = await tenancy.run(workspace.id, () => Channel.query().firstOrFail())
    const at = DateTime.now().plus({ seconds: 5 })
    const item = (waId: string, body: string | null, type = 'text', offset = 0) =>
      batchItem(channel, waId, body, { type, at: at.plus({ seconds: offset }) })
    await tenancy.run(workspace.id, () =>
      recordInboundBatch([
        item('15550700003', 'first'),
        item('15550700003', 'second', 'text', 1),
        item('15550700004', null, 'image'),
        item('15550700005', 'brand new'),
      ])
    )
    const r = await reload(workspace, resolved)
    assert.equal(r.status, 'open')
    assert.equal(r.reopenCount, 1)
    assert.isNotNull(r.reopenedAt)
    assert.equal(r.lastMessagePreview, 'second')
    assert.equal(r.unreadCount, 3)
    const s = await reload(workspace, snoozed)
    assert.equal(s.status, 'open')
    assert.isNull(s.snoozedUntil)
    assert.equal(s.reopenCount, 0)
    assert.equal(s.lastMessagePreview, '[image]')
    assert.equal(s.lastMessageDirection, 'in')
    const fresh = await tenancy.run(workspace.id, () =>
      Conversation.query().orderBy('id', 'desc').firstOrFail()
    )
    assert.equal(fresh.lastMessagePreview, 'brand new')
  })
})
