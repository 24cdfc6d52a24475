import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Tag from '#contacts/models/tag'
import Conversation from '#inbox/models/conversation'
import Membership from '#core/models/membership'
import Team from '#inbox/models/team'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { sandboxOutbox } from '#channels/drivers/sandbox_driver'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { inbound } from '#tests/helpers/inbox'

const json = (request: any) => request.header('accept', 'application/json')

function memberId(workspace: Workspace, user: User) {
  return tenancy.run(workspace.id, async () => {
    const membership = await Membership.query().where('user_id', user.id).firstOrFail()
    return membership.publicId
  })
}

async function three(workspace: Workspace) {
  const list: Conversation[] = []
  for (let index = 1; index <= 3; index++) {
    list.push(
      (await inbound(workspace, { waId: `1555080000${index}`, text: `hi ${index}` })).conversation
    )
  }
  return list
}

function stored(workspace: Workspace, conversations: Conversation[]) {
  return tenancy.run(workspace.id, () =>
    Conversation.query()
      .whereIn(
        'id',
        conversations.map((conversation) => conversation.id)
      )
      .orderBy('id')
  )
}

test.group('Inbox bulk actions', (group) => {
  group.each.setup(() => sandboxOutbox.clear())

  test('assign, team, tag, untag, resolve, reopen and read on a selection', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const agent = await makeUser({ fullName: 'Agent' })
    await addMember(workspace, agent, 'agent')
    const conversations = await three(workspace)
    const selection = conversations.map((conversation) => conversation.publicId)
    const [team, tag] = await tenancy.run(workspace.id, async () => [
      await Team.create({ name: 'Billing', reassignOnAway: false }),
      await Tag.create({ name: 'bulk-x', color: '#123', isPredefined: false }),
    ])
    const bulk = (body: Record<string, unknown>) =>
      json(
        client
          .post(`/w/${workspace.slug}/inbox/bulk`)
          .loginAs(owner)
          .withCsrfToken()
          .json({ conversations: selection, ...body })
      )

    let response = await bulk({ action: 'assign', assignee: await memberId(workspace, agent) })
    response.assertStatus(200)
    assert.deepEqual(response.body(), { updated: 3 })
    assert.deepEqual(
      (await stored(workspace, conversations)).map((row) => row.assigneeId),
      [agent.id, agent.id, agent.id]
    )
    const log = await db
      .from('assignment_events')
      .where('workspace_id', workspace.id)
      .where('actor_id', owner.id)
    assert.lengthOf(log, 3)

    response = await bulk({ action: 'team', team: team.publicId })
    assert.deepEqual(response.body(), { updated: 3 })
    const teamed = await stored(workspace, conversations)
    assert.deepEqual(
      teamed.map((row) => [row.teamId, row.assigneeId]),
      teamed.map(() => [team.id, agent.id])
    )

    response = await bulk({ action: 'tag', tags: [tag.publicId] })
    assert.deepEqual(response.body(), { updated: 3 })
    const tagged = await db
      .from('conversation_tags')
      .where('workspace_id', workspace.id)
      .where('tag_id', tag.id)
    assert.lengthOf(tagged, 3)
    await bulk({ action: 'untag', tags: [tag.publicId] })
    assert.lengthOf(
      await db
        .from('conversation_tags')
        .where('workspace_id', workspace.id)
        .where('tag_id', tag.id),
      0
    )

    response = await bulk({ action: 'read' })
    assert.deepEqual(response.body(), { updated: 3 })
    assert.deepEqual(
      (await stored(workspace, conversations)).map((row) => row.unreadCount),
      [0, 0, 0]
    )
    await drainQueue()

    response = await bulk({ action: 'resolve' })
    assert.deepEqual(response.body(), { updated: 3 })
    assert.deepEqual(
      (await stored(workspace, conversations)).map((row) => row.status),
      ['resolved', 'resolved', 'resolved']
    )
    response = await bulk({ action: 'reopen' })
    assert.deepEqual(response.body(), { updated: 3 })
    const reopened = await stored(workspace, conversations)
    assert.deepEqual(
      reopened.map((row) => [row.status, row.reopenCount]),
      [
        ['open', 1],
        ['open', 1],
        ['open', 1],
      ]
    )
    // Unassign.
    response = await bulk({ action: 'assign', assignee: null })
    assert.deepEqual(response.body(), { updated: 3 })
  })

  test('permissions per action and visibility of every conversation', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const agent = await makeUser({ fullName: 'Agent' })
    const other = await makeUser({ fullName: 'Other' })
    await addMember(workspace, agent, 'agent')
    await addMember(workspace, other, 'agent')
    const [mine, unassigned, theirs] = await three(workspace)
    await tenancy.run(workspace.id, async () => {
      await Conversation.query().where('id', mine.id).update({ assignee_id: agent.id })
      await Conversation.query().where('id', theirs.id).update({ assignee_id: other.id })
    })
    const bulk = (body: Record<string, unknown>) =>
      json(client.post(`/w/${workspace.slug}/inbox/bulk`).loginAs(agent).withCsrfToken().json(body))

    // Agents lack inbox.assign.
    const assign = await bulk({
      action: 'assign',
      conversations: [mine.publicId],
      assignee: await memberId(workspace, agent),
    })
    assign.assertStatus(403)

    // Another agent's conversation is not visible: nothing changes.
    const resolveAll = await bulk({
      action: 'resolve',
      conversations: [mine.publicId, theirs.publicId],
    })
    resolveAll.assertStatus(403)
    assert.equal(resolveAll.body().errors[0].code, 'E_CONVERSATION_NOT_VISIBLE')
    assert.deepEqual(
      (await stored(workspace, [mine, theirs])).map((row) => row.status),
      ['open', 'open']
    )

    const ok = await bulk({
      action: 'resolve',
      conversations: [mine.publicId, unassigned.publicId],
    })
    ok.assertStatus(200)
    assert.deepEqual(ok.body(), { updated: 2 })

    // Another workspace's conversation: 404, nothing changes.
    const elsewhere = await makeWorkspace()
    const [foreign] = await three(elsewhere.workspace)
    const cross = await json(
      client
        .post(`/w/${workspace.slug}/inbox/bulk`)
        .loginAs(owner)
        .withCsrfToken()
        .json({ action: 'resolve', conversations: [foreign.publicId, mine.publicId] })
    )
    cross.assertStatus(404)
    assert.equal((await stored(elsewhere.workspace, [foreign]))[0].status, 'open')

    // At most 500 per call.
    const tooMany = await json(
      client
        .post(`/w/${workspace.slug}/inbox/bulk`)
        .loginAs(owner)
        .withCsrfToken()
        .json({ action: 'read', conversations: Array.from({ length: 501 }, (_, i) => `id${i}`) })
    )
    tooMany.assertStatus(422)
  })
})

test.group('Inbox saved filters', () => {
  test('only the owner lists and deletes their saved filters', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const base = `/w/${workspace.slug}/inbox/filters`
    const created = await json(
      client
        .post(base)
        .loginAs(owner)
        .withCsrfToken()
        .json({
          name: 'Urgent unread',
          filters: { view: 'all', unread: true, priority: 4, cursor: 'x', tags: 'a,b' },
        })
    )
    created.assertStatus(201)
    assert.equal(created.body().name, 'Urgent unread')
    assert.deepEqual(created.body().filters, {
      view: 'all',
      status: 'open',
      unread: true,
      priority: 4,
      tags: ['a', 'b'],
    })

    const mine = await json(client.get(base).loginAs(owner))
    assert.lengthOf(mine.body(), 1)
    const theirs = await json(client.get(base).loginAs(agent))
    assert.lengthOf(theirs.body(), 0)
    const page = await client.get(`/w/${workspace.slug}/inbox`).loginAs(agent).withInertia()
    assert.lengthOf((page.inertiaProps as any).savedFilters, 0)

    const stolen = await json(
      client.delete(`${base}/${created.body().id}`).loginAs(agent).withCsrfToken()
    )
    stolen.assertStatus(404)
    const deleted = await json(
      client.delete(`${base}/${created.body().id}`).loginAs(owner).withCsrfToken()
    )
    deleted.assertStatus(204)
    assert.lengthOf((await json(client.get(base).loginAs(owner))).body(), 0)

    const invalid = await json(client.post(base).loginAs(owner).withCsrfToken().json({ name: '' }))
    invalid.assertStatus(422)
  })
})
