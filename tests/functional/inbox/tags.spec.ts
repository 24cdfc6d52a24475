import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import Tag from '#contacts/models/tag'
import Conversation from '#inbox/models/conversation'
import ConversationTag from '#inbox/models/conversation_tag'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { tagConversations, untagConversations } from '#inbox/actions/tag_conversations'
import { PREDEFINED_TAGS } from '#inbox/predefined_tags'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'

async function conversations(workspace: Workspace, count: number) {
  return tenancy.run(workspace.id, async () => {
    const channel = await Channel.query().firstOrFail()
    const list: Conversation[] = []
    for (let index = 0; index < count; index++) {
      const contact = await Contact.create({ waId: `9190000${Date.now() % 100000}${index}` })
      list.push(
        await Conversation.create({
          contactId: contact.id,
          channelId: channel.id,
          status: 'open',
          unreadCount: 0,
        })
      )
    }
    return list
  })
}

async function pairs(workspace: Workspace) {
  const rows = await db
    .from('conversation_tags')
    .where('workspace_id', workspace.id)
    .select('conversation_id', 'tag_id')
  return rows.map((row) => `${row.conversation_id}:${row.tag_id}`).sort()
}

test.group('Inbox tags', () => {
  test('every new workspace gets the predefined tags, marked predefined', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const tags = await tenancy.run(workspace.id, () => Tag.query().where('is_predefined', true))
    assert.includeMembers(
      tags.map((tag) => tag.name),
      PREDEFINED_TAGS.map((tag) => tag.name)
    )
    const vip = tags.filter((tag) => tag.name === 'VIP')
    assert.lengthOf(vip, 1, 'VIP (also a contacts default) is not duplicated')
  })

  test('create, rename, recolour and delete a tag; names are unique per workspace', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const base = `/w/${workspace.slug}/settings/tags`
    const created = await client
      .post(base)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Refund', color: 'rose' })
    created.assertStatus(201)
    const id = created.body().id as string

    const taken = await client
      .post(base)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'refund', color: 'sky' })
    taken.assertStatus(422)
    assert.equal(taken.body().errors[0].field, 'name')
    assert.match(taken.body().errors[0].message, /already/i)

    const badColour = await client
      .post(base)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Other', color: 'bg-red-500' })
    badColour.assertStatus(422)
    assert.equal(badColour.body().errors[0].field, 'color')

    // Renaming onto another tag's name is refused; onto its own name is fine.
    const clash = await client
      .put(`${base}/${id}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'VIP', color: 'rose' })
    clash.assertStatus(422)
    const renamed = await client
      .put(`${base}/${id}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Refund requested', color: 'orange' })
    renamed.assertStatus(200)
    const tag = await tenancy.run(workspace.id, () => Tag.findByOrFail('public_id', id))
    assert.equal(tag.name, 'Refund requested')
    assert.equal(tag.color, 'orange')

    // The same name in another workspace is allowed.
    const other = await makeWorkspace()
    const elsewhere = await client
      .post(`/w/${other.workspace.slug}/settings/tags`)
      .loginAs(other.owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Refund requested', color: 'rose' })
    elsewhere.assertStatus(201)

    const [conversation] = await conversations(workspace, 1)
    await tenancy.run(workspace.id, () => tagConversations([conversation.id], [tag.id], owner.id))
    const removed = await client
      .delete(`${base}/${id}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    removed.assertStatus(204)
    assert.isNull(await tenancy.run(workspace.id, () => Tag.findBy('public_id', id)))
    assert.deepEqual(await pairs(workspace), [])

    const picker = await client
      .get(`/w/${workspace.slug}/inbox/tags`)
      .loginAs(owner)
      .header('accept', 'application/json')
    picker.assertStatus(200)
    const names = (picker.body() as { id: string; name: string; color: string }[]).map(
      (item) => item.name
    )
    assert.include(names, 'Complaint')
    assert.notInclude(names, 'Refund requested')
    assert.notProperty(picker.body()[0], 'isPredefined')
    assert.match(picker.body()[0].id, /^[0-9A-Z]{26}$/)
  })

  test('the settings page needs settings.workspace; the picker needs inbox.view', async ({
    client,
  }) => {
    const { workspace } = await makeWorkspace()
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const marketer = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    const page = await client
      .get(`/w/${workspace.slug}/settings/tags`)
      .loginAs(agent)
      .header('accept', 'application/json')
    page.assertStatus(403)
    const create = await client
      .post(`/w/${workspace.slug}/settings/tags`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Sneaky', color: 'red' })
    create.assertStatus(403)
    ;(
      await client
        .get(`/w/${workspace.slug}/inbox/tags`)
        .loginAs(agent)
        .header('accept', 'application/json')
    ).assertStatus(200)
    ;(
      await client
        .get(`/w/${workspace.slug}/inbox/tags`)
        .loginAs(marketer)
        .header('accept', 'application/json')
    ).assertStatus(403)
  })

  test('bulk tag and untag are idempotent, skip foreign ids and emit one event each', async ({
    assert,
    cleanup,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const other = await makeWorkspace()
    const list = await conversations(workspace, 3)
    const [foreign] = await conversations(other.workspace, 1)
    const tags = await tenancy.run(workspace.id, () =>
      Tag.query().whereIn('name', ['VIP', 'Sales']).orderBy('name')
    )
    const foreignTag = await tenancy.run(other.workspace.id, () => Tag.query().firstOrFail())

    const events: any[] = []
    const listener = (event: any) => {
      if (event.workspaceId === workspace.id) events.push(event)
    }
    emitter.on('inbox:conversation_tagged', listener)
    cleanup(() => emitter.off('inbox:conversation_tagged', listener))

    const ids = list.map((conversation) => conversation.id)
    const tagIds = tags.map((tag) => tag.id)
    const first = await tenancy.run(workspace.id, () =>
      tagConversations([...ids, foreign.id], [...tagIds, foreignTag.id], owner.id)
    )
    assert.sameMembers(first.conversationIds, ids)
    assert.sameMembers(first.tagIds, tagIds)
    const expected = ids.flatMap((c) => tagIds.map((t) => `${c}:${t}`)).sort()
    assert.deepEqual(await pairs(workspace), expected)

    // Again, plus duplicates in the input: nothing changes, nothing fails.
    await tenancy.run(workspace.id, () =>
      tagConversations([...ids, ids[0]], [...tagIds, tagIds[0]], owner.id)
    )
    assert.deepEqual(await pairs(workspace), expected)
    assert.deepEqual(await pairs(other.workspace), [])

    await tenancy.run(workspace.id, () =>
      untagConversations([ids[0], ids[1]], [tagIds[0]], owner.id)
    )
    await tenancy.run(workspace.id, () =>
      untagConversations([ids[0], ids[1]], [tagIds[0]], owner.id)
    )
    const left = expected.filter(
      (pair) => !(pair === `${ids[0]}:${tagIds[0]}` || pair === `${ids[1]}:${tagIds[0]}`)
    )
    assert.deepEqual(await pairs(workspace), left)

    assert.lengthOf(events, 4)
    assert.deepInclude(events[0], { workspaceId: workspace.id, added: true, actorId: owner.id })
    assert.sameMembers(events[0].conversationIds, ids)
    assert.isFalse(events[2].added)
    assert.sameMembers(events[2].conversationIds, [ids[0], ids[1]])
    assert.deepEqual(events[2].tagIds, [tagIds[0]])
  })

  test('statistics count conversations per tag by tagging date over a range', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const list = await conversations(workspace, 4)
    const { vip, sales } = await tenancy.run(workspace.id, async () => ({
      vip: await Tag.findByOrFail('name', 'VIP'),
      sales: await Tag.findByOrFail('name', 'Sales'),
    }))
    await tenancy.run(workspace.id, async () => {
      await tagConversations(
        list.slice(0, 3).map((conversation) => conversation.id),
        [vip.id],
        owner.id
      )
      await tagConversations([list[3].id], [sales.id], owner.id)
      // Tagged 40 days ago: outside the default 30-day range.
      const old = await ConversationTag.query()
        .where('conversation_id', list[3].id)
        .where('tag_id', sales.id)
        .firstOrFail()
      old.createdAt = DateTime.now().minus({ days: 40 })
      await old.save()
    })

    const page = await client.get(`/w/${workspace.slug}/settings/tags`).loginAs(owner).withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('settings/tags')
    const props = page.inertiaProps as any
    const count = (name: string) =>
      props.stats.tags.find((tag: { name: string }) => tag.name === name)?.count
    assert.equal(count('VIP'), 3)
    assert.equal(count('Sales'), 0)
    assert.equal(props.stats.tags[0].name, 'VIP', 'largest first')
    assert.equal(
      props.stats.from,
      DateTime.now().setZone(workspace.timezone).minus({ days: 29 }).toISODate()
    )
    const row = props.tags.find((tag: { name: string }) => tag.name === 'Sales')
    assert.equal(row.conversations, 1, 'the list shows all-time use')
    assert.isTrue(row.isPredefined)

    const from = DateTime.now().minus({ days: 45 }).toISODate()
    const wider = await client
      .get(`/w/${workspace.slug}/settings/tags?from=${from}`)
      .loginAs(owner)
      .withInertia()
    const widerProps = wider.inertiaProps as any
    assert.equal(widerProps.stats.from, from)
    assert.equal(
      widerProps.stats.tags.find((tag: { name: string }) => tag.name === 'Sales').count,
      1
    )
  })
})
