import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import Tag from '#contacts/models/tag'
import Conversation from '#inbox/models/conversation'
import Membership from '#core/models/membership'
import Team from '#inbox/models/team'
import TeamMember from '#inbox/models/team_member'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { tagConversations } from '#inbox/actions/tag_conversations'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { inbound } from '#tests/helpers/inbox'
import { SEARCH_SEEK } from '#inbox/queries/list_conversations'

const json = (request: any) => request.header('accept', 'application/json')

async function memberId(workspace: Workspace, user: User) {
  return tenancy.run(workspace.id, async () => {
    const membership = await Membership.query().where('user_id', user.id).firstOrFail()
    return membership.publicId
  })
}

function set(workspace: Workspace, conversation: Conversation, values: Record<string, unknown>) {
  return tenancy.run(workspace.id, async () => {
    const fresh = await Conversation.findOrFail(conversation.id)
    fresh.merge(values as any)
    await fresh.save()
    return fresh
  })
}

/**
 * A workspace with an owner (inbox.view_all), two agents (no view_all),
 * a team with agent A in it, and four conversations a minute apart:
 * c1 → A, c2 → B, c3 unassigned, c4 → B in A's team (newest first: c4…c1).
 */
async function scene() {
  const { workspace, owner } = await makeWorkspace()
  const agentA = await makeUser({ fullName: 'Agent A' })
  const agentB = await makeUser({ fullName: 'Agent B' })
  await addMember(workspace, agentA, 'agent')
  await addMember(workspace, agentB, 'agent')
  const team = await tenancy.run(workspace.id, async () => {
    const created = await Team.create({ name: 'Support', reassignOnAway: false })
    await TeamMember.create({ teamId: created.id, userId: agentA.id })
    return created
  })
  const start = DateTime.now().minus({ minutes: 10 })
  const make = async (index: number, name: string, text: string) =>
    (
      await inbound(workspace, {
        waId: `1555010000${index}`,
        name,
        text,
        at: start.plus({ minutes: index }),
      })
    ).conversation
  let c1 = await make(1, 'Alice Martin', 'Where is my parcel?')
  let c2 = await make(2, 'Bob Stone', 'Invoice question')
  const c3 = await make(3, 'Carla Diaz', 'Opening hours please')
  let c4 = await make(4, 'Dan Brown', 'Refund for order 7731')
  c1 = await set(workspace, c1, { assigneeId: agentA.id })
  c2 = await set(workspace, c2, { assigneeId: agentB.id })
  c4 = await set(workspace, c4, { assigneeId: agentB.id, teamId: team.id })
  return { workspace, owner, agentA, agentB, team, c1, c2, c3, c4 }
}

const ids = (response: any) => response.body().items.map((item: any) => item.id)

test.group('Inbox list: views and visibility', () => {
  test('views for an agent without inbox.view_all are enforced by the query', async ({
    client,
    assert,
  }) => {
    const { workspace, agentA, c1, c2, c3, c4 } = await scene()
    const base = `/w/${workspace.slug}/inbox/conversations`
    const as = (query: string) => json(client.get(`${base}${query}`).loginAs(agentA))

    assert.deepEqual(ids(await as('?view=mine')), [c1.publicId])
    assert.deepEqual(ids(await as('?view=unassigned')), [c3.publicId])
    assert.deepEqual(ids(await as('?view=teams')), [c4.publicId])
    // Default view without view_all: mine.
    assert.deepEqual(ids(await as('')), [c1.publicId])
    // Filtering on another agent cannot widen the view.
    const bobsId = c2.publicId
    assert.notInclude(ids(await as(`?view=unassigned&status=any`)), bobsId)

    const all = await as('?view=all')
    all.assertStatus(403)
    assert.equal(all.body().errors[0].code, 'E_VIEW_NOT_ALLOWED')

    const hidden = await json(client.get(`${base}/${c2.publicId}`).loginAs(agentA))
    hidden.assertStatus(403)
    const thread = await json(client.get(`${base}/${c2.publicId}/messages`).loginAs(agentA))
    thread.assertStatus(403)
    const visible = await json(client.get(`${base}/${c4.publicId}`).loginAs(agentA))
    visible.assertStatus(200)

    const counts = await json(client.get(`/w/${workspace.slug}/inbox/counts`).loginAs(agentA))
    assert.deepEqual(counts.body(), { mine: 1, unassigned: 1, teams: 1, all: 3, unread: 1 })
  })

  test('a member with inbox.view_all lands on all and sees everything', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, agentB, c1, c2, c3, c4 } = await scene()
    const response = await json(
      client.get(`/w/${workspace.slug}/inbox/conversations`).loginAs(owner)
    )
    assert.deepEqual(ids(response), [c4.publicId, c3.publicId, c2.publicId, c1.publicId])
    const item = response.body().items[0]
    assert.equal(item.assignee.id, await memberId(workspace, agentB))
    assert.equal(item.assignee.name, 'Agent B')
    assert.equal(item.team.name, 'Support')
    assert.equal(item.contact.name, 'Dan Brown')
    assert.equal(item.contact.phone, '+15550100004')
    assert.equal(item.lastMessagePreview, 'Refund for order 7731')
    assert.equal(item.lastMessageDirection, 'in')
    assert.equal(item.unreadCount, 1)
    assert.isString(item.windowEndsAt)
    assert.equal(item.channel.driver, 'sandbox')

    const counts = await json(client.get(`/w/${workspace.slug}/inbox/counts`).loginAs(owner))
    assert.deepEqual(counts.body(), { mine: 0, unassigned: 1, teams: 0, all: 4, unread: 0 })
  })

  test('the inbox page renders with props; opening a conversation marks it read', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, c3 } = await scene()
    const page = await client.get(`/w/${workspace.slug}/inbox`).loginAs(owner).withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('inbox/index')
    const props = page.inertiaProps as any
    assert.equal(props.filters.view, 'all')
    assert.equal(props.filters.status, 'open')
    assert.lengthOf(props.page.items, 4)
    assert.equal(props.counts.all, 4)
    assert.isNull(props.conversation)
    assert.isNull(props.thread)
    assert.sameMembers(
      props.agents.map((agent: any) => agent.name),
      ['Owner', 'Agent A', 'Agent B']
    )
    assert.deepEqual(
      props.teams.map((team: any) => team.name),
      ['Support']
    )
    assert.equal(props.me.name, 'Owner')
    assert.equal(props.mediaLimits.image.maxBytes, 5 * 1024 * 1024)
    assert.include(props.mediaLimits.sticker.mimeTypes, 'image/webp')
    assert.equal(props.realtimeChannel, `workspaces/${workspace.publicId}/inbox`)

    const open = await client
      .get(`/w/${workspace.slug}/inbox/c/${c3.publicId}?status=any`)
      .loginAs(owner)
      .withInertia()
    open.assertStatus(200)
    const openProps = open.inertiaProps as any
    assert.equal(openProps.conversation.id, c3.publicId)
    assert.equal(openProps.filters.status, 'any')
    assert.deepEqual(
      openProps.thread.items.map((message: any) => message.body),
      ['Opening hours please']
    )
    const stored = await tenancy.run(workspace.id, () => Conversation.findOrFail(c3.id))
    assert.equal(stored.unreadCount, 0)

    // A partial reload (opening another conversation) computes only what it asks for.
    const partial = await client
      .get(`/w/${workspace.slug}/inbox/c/${c3.publicId}`)
      .loginAs(owner)
      .withInertia()
      .withInertiaPartialReload('inbox/index', ['conversation', 'thread'])
    const partialProps = partial.inertiaProps as any
    assert.equal(partialProps.conversation.id, c3.publicId)
    assert.isDefined(partialProps.thread)
    assert.isUndefined(partialProps.page)
    assert.isUndefined(partialProps.agents)
  })
})

test.group('Inbox list: filters, search and cursor', () => {
  test('every filter, alone and combined', async ({ client, assert }) => {
    const { workspace, owner, agentA, team, c1, c2, c3, c4 } = await scene()
    const base = `/w/${workspace.slug}/inbox/conversations?view=all`
    const list = async (query: string) =>
      ids(await json(client.get(`${base}${query}`).loginAs(owner)))

    // Status: open by default; snoozed; any.
    await set(workspace, c2, { status: 'snoozed', snoozedUntil: DateTime.now().plus({ hours: 2 }) })
    await set(workspace, c1, { status: 'resolved' })
    assert.deepEqual(await list(''), [c4.publicId, c3.publicId])
    assert.deepEqual(await list('&status=snoozed'), [c2.publicId])
    assert.deepEqual(await list('&status=resolved'), [c1.publicId])
    assert.lengthOf(await list('&status=any'), 4)

    // Assignee (membership id or none), team, channel.
    const aId = await memberId(workspace, agentA)
    assert.deepEqual(await list(`&status=any&assignee=${aId}`), [c1.publicId])
    assert.deepEqual(await list('&status=any&assignee=none'), [c3.publicId])
    assert.deepEqual(await list(`&status=any&team=${team.publicId}`), [c4.publicId])
    const other = await tenancy.run(workspace.id, () =>
      Channel.create({
        driver: 'meta_cloud',
        name: 'Second',
        displayPhoneNumber: '+1 555 000 9999',
        phoneNumberId: `PN-${workspace.id}-2`,
        wabaId: 'WABA-2',
        accessToken: 'token',
        appSecret: null,
        verifyToken: null,
        webhookKey: newWebhookKey(),
        status: 'connected',
        settings: {},
      })
    )
    await set(workspace, c3, { channelId: other.id })
    assert.deepEqual(await list(`&status=any&channel=${other.publicId}`), [c3.publicId])
    await set(workspace, c3, { channelId: c4.channelId })

    // Tags: every given tag must be on the conversation.
    const [urgent, billing] = await tenancy.run(workspace.id, async () => {
      const first = await Tag.create({ name: 'urgent-x', color: '#f00', isPredefined: false })
      const second = await Tag.create({ name: 'billing-x', color: '#0f0', isPredefined: false })
      await tagConversations([c2.id, c4.id], [first.id])
      await tagConversations([c2.id], [second.id])
      return [first, second]
    })
    assert.deepEqual(await list(`&status=any&tags=${urgent.publicId}`), [c4.publicId, c2.publicId])
    assert.deepEqual(await list(`&status=any&tags=${urgent.publicId},${billing.publicId}`), [
      c2.publicId,
    ])
    const tagged = (await json(client.get(`${base}&status=any`).loginAs(owner))).body().items
    assert.sameMembers(
      tagged.find((item: any) => item.id === c2.publicId).tags.map((tag: any) => tag.name),
      ['urgent-x', 'billing-x']
    )

    // Unread, priority (minimum), date range on the last message.
    await set(workspace, c4, { unreadCount: 0, priority: 3 })
    await set(workspace, c3, { priority: 1 })
    assert.deepEqual(await list('&status=any&unread=1'), [c3.publicId, c2.publicId, c1.publicId])
    assert.deepEqual(await list('&status=any&priority=2'), [c4.publicId])
    assert.deepEqual(await list('&status=any&priority=1'), [c4.publicId, c3.publicId])
    const old = DateTime.now().minus({ days: 3 })
    await set(workspace, c1, { lastMessageAt: old })
    assert.deepEqual(await list(`&status=any&to=${old.toISODate()}`), [c1.publicId])
    // The day the recent conversations started (yesterday just after midnight UTC).
    const recent = DateTime.now().minus({ minutes: 15 }).toISODate()
    assert.notInclude(await list(`&status=any&from=${recent}`), c1.publicId)
    assert.lengthOf(await list(`&status=any&from=${recent}`), 3)

    // Contact fields: name prefix (profile name), phone prefix, country.
    assert.deepEqual(await list('&status=any&contact[name]=carla'), [c3.publicId])
    assert.deepEqual(await list('&status=any&contact[phone]=15550100002'), [c2.publicId])
    assert.lengthOf(await list('&status=any&contact[country]=US'), 4)
    assert.lengthOf(await list('&status=any&contact[country]=FR'), 0)

    // Combined: tag + unread + assignee.
    const bId = (await json(client.get(`${base}&status=any`).loginAs(owner)))
      .body()
      .items.find((item: any) => item.id === c2.publicId).assignee.id
    assert.deepEqual(await list(`&status=any&tags=${urgent.publicId}&unread=1&assignee=${bId}`), [
      c2.publicId,
    ])
    // Unknown ids match nothing rather than everything.
    assert.lengthOf(await list('&status=any&team=01NOPE'), 0)
  })

  test('search by message text, name prefix and phone prefix', async ({ client, assert }) => {
    const { workspace, owner, c1, c2, c4 } = await scene()
    await inbound(workspace, {
      waId: '15550100002',
      name: 'Bob Stone',
      text: 'Also the 100% promo',
    })
    const search = async (q: string) =>
      ids(
        await json(
          client
            .get(`/w/${workspace.slug}/inbox/conversations?status=any&q=${encodeURIComponent(q)}`)
            .loginAs(owner)
        )
      )
    assert.deepEqual(await search('parcel'), [c1.publicId])
    assert.deepEqual(await search('order 7731'), [c4.publicId])
    assert.deepEqual(await search('bob'), [c2.publicId])
    assert.deepEqual(await search('+1 555 0100 004'), [c4.publicId])
    assert.deepEqual(await search('100%'), [c2.publicId])
    assert.deepEqual(await search('nothing like this'), [])
  })

  test('a search matching more than the seek limit gives the same pages (search inside the list statement)', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const start = DateTime.now().minus({ hours: 2 })
    for (let index = 0; index < 6; index++) {
      await inbound(workspace, {
        waId: `1555030000${index}`,
        name: index % 2 ? `Parcel Person ${index}` : `Someone ${index}`,
        text: index % 3 ? `where is my parcel ${index}` : `hello ${index}`,
        at: start.plus({ minutes: index }),
      })
    }
    const pages = async (q: string) => {
      const seen: string[] = []
      const base = `/w/${workspace.slug}/inbox/conversations?status=any&limit=2&q=${encodeURIComponent(q)}`
      let response = await json(client.get(base).loginAs(owner))
      seen.push(...ids(response))
      let cursor = response.body().nextCursor
      while (cursor) {
        response = await json(
          client.get(`${base}&cursor=${encodeURIComponent(cursor)}`).loginAs(owner)
        )
        seen.push(...ids(response))
        cursor = response.body().nextCursor
      }
      return seen
    }
    const seek = await pages('parcel')
    // Messages 1, 2, 4, 5 say parcel; contacts 1, 3, 5 are named Parcel: five conversations.
    assert.lengthOf(seek, 5)
    const limit = SEARCH_SEEK.limit
    SEARCH_SEEK.limit = 2
    try {
      assert.deepEqual(await pages('parcel'), seek)
      assert.deepEqual(await pages('nothing like this'), [])
    } finally {
      SEARCH_SEEK.limit = limit
    }
  })

  test('search: hits only in messages, only in contact names, in both; filters and order still apply', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const start = DateTime.now().minus({ hours: 1 })
    const make = async (index: number, name: string, text: string) =>
      (
        await inbound(workspace, {
          waId: `1555040000${index}`,
          name,
          text,
          at: start.plus({ minutes: index }),
        })
      ).conversation
    const inMessage = await make(1, 'Rita Lopez', 'the quokka arrived damaged')
    const inName = await make(2, 'Quokka Traders', 'where is my order')
    const inBoth = await make(3, 'Quokka Shop', 'a quokka question')
    const resolved = await make(4, 'Sam Reed', 'one more quokka')
    await make(5, 'Nora Quinn', 'nothing to see')
    await set(workspace, resolved, { status: 'resolved' })
    // The message match is on a later message of the conversation, not its first.
    await inbound(workspace, { waId: '15550400005', text: 'and my quokka too' })
    const nora = await tenancy.run(workspace.id, () =>
      Conversation.query().orderBy('id', 'desc').firstOrFail()
    )

    const search = async (query: string) =>
      ids(
        await json(client.get(`/w/${workspace.slug}/inbox/conversations?${query}`).loginAs(owner))
      )
    // Newest activity first, open only by default.
    assert.deepEqual(await search('q=quokka'), [
      nora.publicId,
      inBoth.publicId,
      inName.publicId,
      inMessage.publicId,
    ])
    assert.deepEqual(await search('q=quokka&status=any'), [
      nora.publicId,
      resolved.publicId,
      inBoth.publicId,
      inName.publicId,
      inMessage.publicId,
    ])
    assert.deepEqual(await search('q=quokka&status=resolved'), [resolved.publicId])
    // A filter that excludes every match gives an empty page, not an error.
    assert.deepEqual(await search('q=quokka&status=snoozed'), [])
    // Paging through the matches with the cursor.
    const first = await json(
      client.get(`/w/${workspace.slug}/inbox/conversations?q=quokka&limit=3`).loginAs(owner)
    )
    assert.deepEqual(ids(first), [nora.publicId, inBoth.publicId, inName.publicId])
    const second = await json(
      client
        .get(
          `/w/${workspace.slug}/inbox/conversations?q=quokka&limit=3&cursor=${encodeURIComponent(first.body().nextCursor)}`
        )
        .loginAs(owner)
    )
    assert.deepEqual(ids(second), [inMessage.publicId])
    assert.isNull(second.body().nextCursor)
  })

  test('a search whose first matches are all filtered out still finds the rest (more matches than the seek limit)', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const start = DateTime.now().minus({ hours: 1 })
    const made = []
    for (let index = 0; index < 5; index++) {
      made.push(
        (
          await inbound(workspace, {
            waId: `1555050000${index}`,
            text: `lost parcel number ${index}`,
            at: start.plus({ minutes: index }),
          })
        ).conversation
      )
    }
    // Only one of the five matches is open.
    for (const conversation of made.slice(0, 4)) {
      await set(workspace, conversation, { status: 'resolved' })
    }
    const search = async (query: string) =>
      ids(
        await json(client.get(`/w/${workspace.slug}/inbox/conversations?${query}`).loginAs(owner))
      )
    const limit = SEARCH_SEEK.limit
    for (const seek of [limit, 2, 1]) {
      SEARCH_SEEK.limit = seek
      try {
        assert.deepEqual(await search('q=parcel'), [made[4].publicId], `seek limit ${seek}`)
        assert.deepEqual(await search('q=parcel&status=snoozed'), [], `seek limit ${seek}`)
        assert.lengthOf(await search('q=parcel&status=resolved'), 4, `seek limit ${seek}`)
      } finally {
        SEARCH_SEEK.limit = limit
      }
    }
  })

  test('the cursor pages without duplicates or gaps while new conversations arrive', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const start = DateTime.now().minus({ hours: 1 })
    const expected: string[] = []
    // Two pairs share a timestamp: the id breaks the tie.
    for (let index = 0; index < 7; index++) {
      const { conversation } = await inbound(workspace, {
        waId: `1555020000${index}`,
        text: `m${index}`,
        at: start.plus({ minutes: Math.floor(index / 2) }),
      })
      expected.unshift(conversation.publicId)
    }
    const base = `/w/${workspace.slug}/inbox/conversations?limit=3`
    const seen: string[] = []
    let response = await json(client.get(base).loginAs(owner))
    seen.push(...ids(response))
    let cursor = response.body().nextCursor
    assert.isString(cursor)
    // Newer conversations arrive between pages.
    await inbound(workspace, { waId: '15550299991', text: 'late 1' })
    await inbound(workspace, { waId: '15550299992', text: 'late 2' })
    while (cursor) {
      response = await json(
        client.get(`${base}&cursor=${encodeURIComponent(cursor)}`).loginAs(owner)
      )
      seen.push(...ids(response))
      cursor = response.body().nextCursor
    }
    assert.deepEqual(seen, expected)
  })

  test('two workspaces: a member never lists or opens the other workspace', async ({
    client,
    assert,
  }) => {
    const a = await scene()
    const b = await makeWorkspace()
    await inbound(b.workspace, { waId: '15550300001', text: 'in B' })
    const listed = await json(
      client.get(`/w/${b.workspace.slug}/inbox/conversations?status=any`).loginAs(b.owner)
    )
    assert.lengthOf(listed.body().items, 1)
    const foreign = await json(
      client.get(`/w/${b.workspace.slug}/inbox/conversations/${a.c1.publicId}`).loginAs(b.owner)
    )
    foreign.assertStatus(404)
    const search = await json(
      client.get(`/w/${b.workspace.slug}/inbox/conversations?status=any&q=parcel`).loginAs(b.owner)
    )
    assert.lengthOf(search.body().items, 0)
  })
})
