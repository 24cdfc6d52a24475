import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import Conversation from '#inbox/models/conversation'
import SavedReply from '#inbox/models/saved_reply'
import Team from '#inbox/models/team'
import TeamMember from '#inbox/models/team_member'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { renderReply } from '#inbox/services/reply_variables'
import { replyScore } from '#inbox/queries/saved_replies'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'

function create(
  client: ApiClient,
  workspace: Workspace,
  user: User,
  body: Record<string, unknown>
) {
  return client
    .post(`/w/${workspace.slug}/settings/replies`)
    .loginAs(user)
    .withCsrfToken()
    .header('accept', 'application/json')
    .json({ title: 'A reply', body: 'Hello', visibility: 'workspace', ...body })
}

async function search(
  client: ApiClient,
  workspace: Workspace,
  user: User,
  query: string,
  conversation?: string
) {
  const qs = new URLSearchParams({ q: query })
  if (conversation) qs.set('conversation', conversation)
  const response = await client
    .get(`/w/${workspace.slug}/inbox/replies?${qs}`)
    .loginAs(user)
    .header('accept', 'application/json')
  response.assertStatus(200)
  return response.body() as {
    id: string
    shortcut: string
    title: string
    category: string | null
    body: string
    rendered: string
    missing: string[]
  }[]
}

async function setup() {
  const { workspace, owner } = await makeWorkspace()
  const alice = await makeUser({ fullName: 'Alice Agent' })
  const bob = await makeUser({ fullName: 'Bob Builder' })
  await addMember(workspace, alice, 'agent')
  await addMember(workspace, bob, 'agent')
  const team = await tenancy.run(workspace.id, async () => {
    const created = await Team.create({ name: 'Billing', reassignOnAway: true })
    await TeamMember.create({ teamId: created.id, userId: alice.id })
    return created
  })
  return { workspace, owner, alice, bob, team }
}

test.group('Saved replies', () => {
  test('personal replies are their owner’s, team replies the team’s, workspace replies everyone’s', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, alice, bob, team } = await setup()
    ;(
      await create(client, workspace, alice, { shortcut: 'mine', visibility: 'personal' })
    ).assertStatus(201)
    ;(
      await create(client, workspace, owner, {
        shortcut: 'billing',
        visibility: 'team',
        team: team.publicId,
      })
    ).assertStatus(201)
    ;(await create(client, workspace, owner, { shortcut: 'hello' })).assertStatus(201)

    const seenBy = async (user: User) =>
      (await search(client, workspace, user, '')).map((reply) => reply.shortcut).sort()
    assert.deepEqual(await seenBy(alice), ['billing', 'hello', 'mine'])
    assert.deepEqual(await seenBy(bob), ['hello'])
    assert.deepEqual(await seenBy(owner), ['hello'])

    // Bob cannot use, edit or delete Alice's personal reply (404, not 403).
    const mine = await tenancy.run(workspace.id, () => SavedReply.findByOrFail('shortcut', 'mine'))
    ;(
      await client
        .post(`/w/${workspace.slug}/inbox/replies/${mine.publicId}/used`)
        .loginAs(bob)
        .withCsrfToken()
        .header('accept', 'application/json')
    ).assertStatus(404)
    ;(
      await client
        .put(`/w/${workspace.slug}/settings/replies/${mine.publicId}`)
        .loginAs(bob)
        .withCsrfToken()
        .header('accept', 'application/json')
        .json({ shortcut: 'stolen', title: 'x', body: 'x', visibility: 'personal' })
    ).assertStatus(404)
    ;(
      await client
        .delete(`/w/${workspace.slug}/settings/replies/${mine.publicId}`)
        .loginAs(bob)
        .withCsrfToken()
        .header('accept', 'application/json')
    ).assertStatus(404)

    // The settings page lists what the member sees, and what they may edit.
    const page = await client
      .get(`/w/${workspace.slug}/settings/replies`)
      .loginAs(alice)
      .withInertia()
    page.assertInertiaComponent('settings/replies')
    const rows = (page.inertiaProps as any).replies as any[]
    assert.sameMembers(
      rows.map((row) => row.shortcut),
      ['billing', 'hello', 'mine']
    )
    assert.isTrue(rows.find((row) => row.shortcut === 'mine').editable)
    assert.isFalse(rows.find((row) => row.shortcut === 'hello').editable)
    assert.deepEqual(rows.find((row) => row.shortcut === 'billing').team, {
      id: team.publicId,
      name: 'Billing',
    })
    assert.isFalse((page.inertiaProps as any).canShare)
  })

  test('agents create personal replies only; shortcuts are unique per visibility scope', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, alice, bob } = await setup()
    const shared = await create(client, workspace, alice, { shortcut: 'shared' })
    shared.assertStatus(403)

    const bad = await create(client, workspace, alice, {
      shortcut: 'Has Space',
      visibility: 'personal',
    })
    bad.assertStatus(422)
    assert.equal(bad.body().errors[0].field, 'shortcut')

    ;(
      await create(client, workspace, alice, { shortcut: 'thanks', visibility: 'personal' })
    ).assertStatus(201)
    const again = await create(client, workspace, alice, {
      shortcut: 'thanks',
      visibility: 'personal',
    })
    again.assertStatus(422)
    assert.equal(again.body().errors[0].field, 'shortcut')
    assert.include(again.body().errors[0].message, '/thanks')
    // Another agent's personal scope and the workspace scope are separate.
    ;(
      await create(client, workspace, bob, { shortcut: 'thanks', visibility: 'personal' })
    ).assertStatus(201)
    ;(await create(client, workspace, owner, { shortcut: 'thanks' })).assertStatus(201)
    const twice = await create(client, workspace, owner, { shortcut: 'thanks' })
    twice.assertStatus(422)

    const noTeam = await create(client, workspace, owner, {
      shortcut: 'team-one',
      visibility: 'team',
    })
    noTeam.assertStatus(422)
    assert.equal(noTeam.body().errors[0].field, 'team')
  })

  test('search ranks prefix over substring over subsequence, then by usage', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await setup()
    const replies = [
      { shortcut: 'refund', title: 'Refund policy' },
      { shortcut: 'ref-2', title: 'Second refund' },
      { shortcut: 'prefix', title: 'Something else' },
      { shortcut: 'rxexfx', title: 'Scattered letters' },
      { shortcut: 'hours', title: 'Opening hours' },
    ]
    for (const reply of replies) {
      ;(await create(client, workspace, owner, reply)).assertStatus(201)
    }
    // Make ref-2 the more used prefix match.
    const ref2 = await tenancy.run(workspace.id, () => SavedReply.findByOrFail('shortcut', 'ref-2'))
    for (let index = 0; index < 3; index++) {
      const used = await client
        .post(`/w/${workspace.slug}/inbox/replies/${ref2.publicId}/used`)
        .loginAs(owner)
        .withCsrfToken()
        .header('accept', 'application/json')
      used.assertStatus(200)
      assert.equal(used.body().usageCount, index + 1)
    }
    const found = (await search(client, workspace, owner, 'ref')).map((reply) => reply.shortcut)
    assert.deepEqual(found, ['ref-2', 'refund', 'prefix', 'rxexfx'])

    // A title match counts too; no match, no result.
    assert.deepEqual(
      (await search(client, workspace, owner, 'opening')).map((reply) => reply.shortcut),
      ['hours']
    )
    assert.deepEqual(await search(client, workspace, owner, 'zzz'), [])
    assert.isAbove(
      replyScore({ shortcut: 'abc', title: '' }, 'ab'),
      replyScore({ shortcut: 'xabc', title: '' }, 'ab')
    )
    assert.isAbove(
      replyScore({ shortcut: 'xabc', title: '' }, 'ab'),
      replyScore({ shortcut: 'axxb', title: '' }, 'ab')
    )

    // At most 10.
    for (let index = 0; index < 12; index++) {
      await create(client, workspace, owner, { shortcut: `bulk-${index}`, title: `Bulk ${index}` })
    }
    assert.lengthOf(await search(client, workspace, owner, 'bulk'), 10)
  })

  test('variables are filled for the conversation and missing ones reported', async ({
    client,
    assert,
  }) => {
    const { workspace, alice } = await setup()
    const conversation = await tenancy.run(workspace.id, async () => {
      const channel = await Channel.query().firstOrFail()
      const contact = await Contact.create({
        waId: '919812345678',
        phone: '+919812345678',
        name: 'Priya Sharma',
      })
      return Conversation.create({
        contactId: contact.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
      })
    })
    ;(
      await create(client, workspace, alice, {
        shortcut: 'greet',
        visibility: 'personal',
        body: 'Hi {{contact.first_name}} ({{ contact.name }}, {{contact.phone}}), {{agent.first_name}} of {{workspace.name}} here. Order {{contact.order_id}} {{nonsense}}',
      })
    ).assertStatus(201)

    const [reply] = await search(client, workspace, alice, 'greet', conversation.publicId)
    assert.equal(
      reply.rendered,
      `Hi Priya (Priya Sharma, +919812345678), Alice of ${workspace.name} here. Order  `
    )
    assert.deepEqual(reply.missing, ['contact.order_id', 'nonsense'])
    assert.include(reply.body, '{{contact.first_name}}')

    // Without a conversation, the contact's variables are missing.
    const [bare] = await search(client, workspace, alice, 'greet')
    assert.includeMembers(bare.missing, ['contact.first_name', 'contact.name', 'contact.phone'])
    assert.include(bare.rendered, 'Alice of')

    // A conversation of another workspace is a 404.
    const other = await makeWorkspace()
    const foreign = await tenancy.run(other.workspace.id, async () => {
      const channel = await Channel.query().firstOrFail()
      const contact = await Contact.create({ waId: '15550001111' })
      return Conversation.create({
        contactId: contact.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
      })
    })
    ;(
      await client
        .get(`/w/${workspace.slug}/inbox/replies?q=greet&conversation=${foreign.publicId}`)
        .loginAs(alice)
        .header('accept', 'application/json')
    ).assertStatus(404)

    // The renderer on its own: table-driven custom fields.
    const rendered = renderReply('{{contact.plan}} for {{contact.name}}', {
      contact: { name: 'Ann', phone: null },
      contactFields: { plan: 'Gold' },
      agent: null,
      workspace: { name: 'W' },
    })
    assert.deepEqual(rendered, { rendered: 'Gold for Ann', missing: [] })
  })

  test('owners edit and delete shared replies; agents their own', async ({ client, assert }) => {
    const { workspace, owner, alice } = await setup()
    ;(await create(client, workspace, owner, { shortcut: 'shared' })).assertStatus(201)
    ;(
      await create(client, workspace, alice, { shortcut: 'own', visibility: 'personal' })
    ).assertStatus(201)
    const shared = await tenancy.run(workspace.id, () =>
      SavedReply.findByOrFail('shortcut', 'shared')
    )
    const own = await tenancy.run(workspace.id, () => SavedReply.findByOrFail('shortcut', 'own'))
    const put = (user: User, id: string, body: Record<string, unknown>) =>
      client
        .put(`/w/${workspace.slug}/settings/replies/${id}`)
        .loginAs(user)
        .withCsrfToken()
        .header('accept', 'application/json')
        .json({ title: 'T', body: 'B', ...body })
    ;(
      await put(alice, shared.publicId, { shortcut: 'shared', visibility: 'workspace' })
    ).assertStatus(403)
    // Alice cannot publish her own reply to the workspace.
    ;(await put(alice, own.publicId, { shortcut: 'own', visibility: 'workspace' })).assertStatus(
      403
    )
    ;(
      await put(alice, own.publicId, {
        shortcut: 'own2',
        visibility: 'personal',
        category: 'Billing',
      })
    ).assertStatus(200)
    await tenancy.run(workspace.id, () => own.refresh())
    assert.equal(own.shortcut, 'own2')
    assert.equal(own.category, 'Billing')
    assert.equal(own.ownerId, alice.id)
    ;(
      await put(owner, shared.publicId, {
        shortcut: 'shared',
        title: 'Renamed',
        visibility: 'workspace',
      })
    ).assertStatus(200)
    ;(
      await client
        .delete(`/w/${workspace.slug}/settings/replies/${shared.publicId}`)
        .loginAs(owner)
        .withCsrfToken()
        .header('accept', 'application/json')
    ).assertStatus(204)
    assert.isNull(await tenancy.run(workspace.id, () => SavedReply.findBy('shortcut', 'shared')))
  })
})
