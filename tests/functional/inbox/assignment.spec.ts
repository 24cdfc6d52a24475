import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Tag from '#contacts/models/tag'
import ContactTag from '#contacts/models/contact_tag'
import Conversation from '#inbox/models/conversation'
import Team from '#inbox/models/team'
import TeamMember from '#inbox/models/team_member'
import AssignmentRule, { type AssignmentStrategy } from '#inbox/models/assignment_rule'
import AssignmentEvent from '#inbox/models/assignment_event'
import AgentProfile from '#inbox/models/agent_profile'
import Membership from '#core/models/membership'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { recordInboundMessage } from '#inbox/actions/record_inbound_message'
import { assignConversation } from '#inbox/actions/assign_conversation'
import { AgentAtCapacityException } from '#inbox/exceptions/assignment_exceptions'
import { assignByRules, matchesKeywords } from '#inbox/services/routing'
import { setAvailability, sweepAvailability } from '#inbox/services/availability'
import { currentAvailability, openLoads } from '#inbox/services/agents'
import { updateAgentSettings } from '#inbox/actions/manage_teams'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { routesWithParams, sweep } from '#tests/helpers/cross_tenant_sweep'
import RoutingRule from '#inbox/models/routing_rule'
import Contact from '#contacts/models/contact'
import { recordInboundBatch } from '#inbox/actions/record_inbound_batch'
import { batchItem, conversationOfWaId } from '#tests/helpers/inbox'

function randomWaId() {
  return `1555${(randomBytes(3).readUIntBE(0, 3) % 10_000_000).toString().padStart(7, '0')}`
}

async function sandboxOf(workspace: Workspace) {
  return tenancy.run(workspace.id, () => Channel.query().where('driver', 'sandbox').firstOrFail())
}

/** An inbound text from a new (or the given) customer, through the real inbound pipeline. */
async function inbound(channel: Channel, text: string, waId = randomWaId()) {
  const { message } = await tenancy.run(channel.workspaceId, () =>
    recordInboundMessage(channel, {
      kind: 'message',
      wabaId: null,
      phoneNumberId: channel.phoneNumberId ?? `sandbox:${channel.publicId}`,
      displayPhoneNumber: channel.displayPhoneNumber,
      contact: { waId, bsuid: null, profileName: 'Customer' },
      providerMessageId: `wamid.${randomBytes(8).toString('hex')}`,
      type: 'text',
      timestamp: Math.floor(DateTime.now().toSeconds()),
      body: text,
      replyTo: null,
      media: null,
      payload: { text: { body: text } },
    })
  )
  return conversation(channel.workspaceId, message.conversationId)
}

/** The workspace's tag of that name (any case: predefined tags may exist), else a new one. */
async function tagNamed(workspace: Workspace, name: string) {
  return tenancy.run(workspace.id, async () => {
    const tags = await Tag.all()
    return (
      tags.find((tag) => tag.name.toLowerCase() === name.toLowerCase()) ??
      Tag.create({ name, color: 'rose' })
    )
  })
}

function conversation(workspaceId: number, id: number) {
  return tenancy.run(workspaceId, () => Conversation.findOrFail(id))
}

type Agent = { user: User; membership: Membership }

async function agent(
  workspace: Workspace,
  name: string,
  options: {
    role?: string
    online?: boolean
    max?: number | null
    skills?: string[]
    senior?: boolean
  } = {}
): Promise<Agent> {
  const user = await makeUser({ fullName: name })
  const membership = await addMember(workspace, user, options.role ?? 'agent')
  await tenancy.run(workspace.id, () =>
    updateAgentSettings(user.id, {
      maxOpenConversations: options.max ?? null,
      skills: options.skills ?? [],
      isSenior: options.senior ?? false,
    })
  )
  if (options.online) await setAvailability(workspace.id, user.id, 'online')
  return { user, membership }
}

async function rule(
  workspace: Workspace,
  strategy: AssignmentStrategy,
  extra: Partial<{ teamId: number; channelId: number; vipTags: string[]; name: string }> = {}
) {
  return tenancy.run(workspace.id, async () => {
    const position = Number(
      (await AssignmentRule.query().max('position as top').first())?.$extras.top ?? -1
    )
    return AssignmentRule.create({
      name: extra.name ?? `${strategy} rule`,
      position: position + 1,
      enabled: true,
      strategy,
      teamId: extra.teamId ?? null,
      channelId: extra.channelId ?? null,
      options: extra.vipTags ? { vipTags: extra.vipTags } : {},
    })
  })
}

async function team(workspace: Workspace, name: string, members: Agent[], reassignOnAway = true) {
  return tenancy.run(workspace.id, async () => {
    const created = await Team.create({ name, reassignOnAway })
    for (const member of members) {
      await TeamMember.create({ teamId: created.id, userId: member.user.id })
    }
    return created
  })
}

async function events(workspace: Workspace, conversationId: number) {
  return tenancy.run(workspace.id, () =>
    AssignmentEvent.query().where('conversation_id', conversationId).orderBy('id')
  )
}

async function openLoad(workspace: Workspace, userId: number) {
  const [row] = await db
    .from('conversations')
    .where('workspace_id', workspace.id)
    .where('assignee_id', userId)
    .whereIn('status', ['open', 'pending'])
    .count('* as total')
  return Number(row.total)
}

function json(request: any) {
  return request.withCsrfToken().header('accept', 'application/json')
}

test.group('Assignment: automatic rules', () => {
  test('round robin hands new conversations to online agents in turn', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const a = await agent(workspace, 'Ana', { online: true })
    const b = await agent(workspace, 'Ben', { online: true })
    const c = await agent(workspace, 'Cy', { online: true })
    await agent(workspace, 'Offline Olga')
    await rule(workspace, 'round_robin', { name: 'Everyone in turn' })

    const assignees: number[] = []
    for (let index = 0; index < 6; index++) {
      assignees.push((await inbound(channel, `hello ${index}`)).assigneeId!)
    }
    const ids = [a, b, c].map((x) => x.user.id)
    assert.deepEqual(assignees, [...ids, ...ids])

    const [first] = await tenancy.run(workspace.id, () =>
      Conversation.query().where('assignee_id', a.user.id).orderBy('id').limit(1)
    )
    const [log] = await events(workspace, first.id)
    assert.equal(log.reason, 'rule')
    assert.equal(log.ruleName, 'Everyone in turn')
    assert.isNull(log.actorId)
    assert.isNull(first.waitingSince)
    const profile = await tenancy.run(workspace.id, () =>
      AgentProfile.findByOrFail('user_id', a.user.id)
    )
    assert.isNotNull(profile.lastAssignedAt)

    // A second message in an assigned conversation changes nothing.
    const again = await inbound(channel, 'me again', await waIdOf(workspace, first))
    assert.equal(again.id, first.id)
    assert.equal(again.assigneeId, a.user.id)
    assert.lengthOf(await events(workspace, first.id), 1)
  })

  test('least loaded picks the agent with the fewest open conversations', async ({ assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const a = await agent(workspace, 'Ana', { online: true })
    const b = await agent(workspace, 'Ben', { online: true })
    const c = await agent(workspace, 'Cy', { online: true })
    // Loads before the rule exists: Ana 2, Cy 1, Ben 0.
    for (const target of [a, a, c]) {
      const open = await inbound(channel, 'earlier')
      await assignConversation({
        conversation: open,
        toUserId: target.user.id,
        actorId: owner.id,
        reason: 'manual',
      })
    }
    // A resolved conversation does not count.
    const done = await inbound(channel, 'done')
    await assignConversation({
      conversation: done,
      toUserId: b.user.id,
      actorId: owner.id,
      reason: 'manual',
    })
    await db.from('conversations').where('id', done.id).update({ status: 'resolved' })

    await rule(workspace, 'least_loaded')
    const picks: number[] = []
    for (let index = 0; index < 3; index++) {
      picks.push((await inbound(channel, `new ${index}`)).assigneeId!)
    }
    // Ben (0) → Ben and Cy tie at 1, Cy was assigned longer ago → Ben (1) is the least loaded.
    assert.deepEqual(picks, [b.user.id, c.user.id, b.user.id])
    for (const x of [a, b, c]) assert.equal(await openLoad(workspace, x.user.id), 2)
  })

  test('skills match the conversation language and tags; no skilled agent means the queue', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const arabic = await agent(workspace, 'Amal', { online: true, skills: ['ar'] })
    const billing = await agent(workspace, 'Bill', { online: true, skills: ['Billing', 'en'] })

    const first = await inbound(channel, 'مرحبا')
    const second = await inbound(channel, 'my invoice is wrong')
    const third = await inbound(channel, 'something else')
    await rule(workspace, 'skills', { name: 'By skill' })
    await tenancy.run(workspace.id, async () => {
      await Conversation.query().where('id', first.id).update({ language: 'ar' })
      const tag = await tagNamed(workspace, 'billing')
      await db.table('conversation_tags').insert({
        workspace_id: workspace.id,
        conversation_id: second.id,
        tag_id: tag.id,
        created_at: DateTime.now().toFormat('yyyy-LL-dd HH:mm:ss'),
      })
    })

    assert.equal(await assignByRules(await conversation(workspace.id, first.id)), 'assigned')
    assert.equal(await assignByRules(await conversation(workspace.id, second.id)), 'assigned')
    assert.equal(await assignByRules(await conversation(workspace.id, third.id)), 'queued')
    assert.equal((await conversation(workspace.id, first.id)).assigneeId, arabic.user.id)
    assert.equal((await conversation(workspace.id, second.id)).assigneeId, billing.user.id)
    const waiting = await conversation(workspace.id, third.id)
    assert.isNull(waiting.assigneeId)
    assert.isNotNull(waiting.waitingSince)
  })

  test('the first message sets the conversation language, so a language skill routes it', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const arabic = await agent(workspace, 'Amal', { online: true, skills: ['ar'] })
    await agent(workspace, 'Eve', { online: true, skills: ['en'] })
    await rule(workspace, 'skills', { name: 'By language' })

    // Through the real listener: no manual language anywhere.
    const first = await inbound(channel, 'مرحبا، أين طلبي؟')
    const stored = await conversation(workspace.id, first.id)
    assert.equal(stored.language, 'ar')
    assert.equal(stored.assigneeId, arabic.user.id)
  })

  test('VIP contacts go to senior agents and jump the waiting queue', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const senior = await agent(workspace, 'Sage', { senior: true, max: 1 })
    const junior = await agent(workspace, 'Jun', { online: true })
    await rule(workspace, 'vip', { vipTags: ['VIP'], name: 'VIPs to seniors' })
    await rule(workspace, 'round_robin')
    const vipTag = await tagNamed(workspace, 'vip')
    const vipWaId = randomWaId()
    const tagContact = async (waId: string) => {
      const contact = await db
        .from('contacts')
        .where('workspace_id', workspace.id)
        .where('wa_id', waId)
        .first()
      await tenancy.run(workspace.id, () =>
        ContactTag.create({ contactId: contact.id, tagId: vipTag.id })
      )
    }

    // The senior is offline: a normal conversation goes to the junior, a VIP one waits.
    const normal = await inbound(channel, 'hi')
    assert.equal(normal.assigneeId, junior.user.id)
    const vipFirst = await inbound(channel, 'first', vipWaId)
    // The contact is tagged VIP after its first message: route it again.
    await db.from('conversations').where('id', vipFirst.id).update({ assignee_id: null })
    await tagContact(vipWaId)
    assert.equal(await assignByRules(await conversation(workspace.id, vipFirst.id)), 'queued')

    // Everyone offline; a normal conversation queues first, then another VIP one.
    await setAvailability(workspace.id, junior.user.id, 'offline')
    const waitingNormal = await inbound(channel, 'anyone there?')
    assert.isNotNull(waitingNormal.waitingSince)
    await db
      .from('conversations')
      .where('id', waitingNormal.id)
      .update({ waiting_since: DateTime.now().minus({ hours: 1 }).toFormat('yyyy-LL-dd HH:mm:ss') })

    // The senior (limit 1) comes online: the VIP gets them although the other waited longer.
    await setAvailability(workspace.id, senior.user.id, 'online')
    const vipNow = await conversation(workspace.id, vipFirst.id)
    assert.equal(vipNow.assigneeId, senior.user.id)
    assert.isNull(vipNow.waitingSince)
    const stillWaiting = await conversation(workspace.id, waitingNormal.id)
    assert.isNull(stillWaiting.assigneeId)
    assert.isNotNull(stillWaiting.waitingSince)
    const log = await events(workspace, vipFirst.id)
    assert.equal(log.at(-1)!.reason, 'queue')
    assert.equal(log.at(-1)!.ruleName, 'VIPs to seniors')
  })

  test('a conversation waits while nobody is online and is assigned when an agent comes online', async ({
    client,
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana')
    await rule(workspace, 'round_robin')

    const waiting = await inbound(channel, 'hello?')
    assert.isNull(waiting.assigneeId)
    assert.isNotNull(waiting.waitingSince)
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'offline')

    const response = await json(
      client.put(`/w/${workspace.slug}/inbox/availability`).loginAs(ana.user)
    ).json({ availability: 'online' })
    response.assertStatus(200)
    response.assertBody({ availability: 'online' })
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'online')

    const assigned = await conversation(workspace.id, waiting.id)
    assert.equal(assigned.assigneeId, ana.user.id)
    assert.isNull(assigned.waitingSince)
    assert.equal((await events(workspace, waiting.id)).at(-1)!.reason, 'queue')

    const bad = await json(
      client.put(`/w/${workspace.slug}/inbox/availability`).loginAs(ana.user)
    ).json({ availability: 'sleeping' })
    bad.assertStatus(422)
  })

  test('conversations without a rule in scope stay unassigned and out of the queue', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const other = { id: channel.id + 100_000 }
    await agent(workspace, 'Ana', { online: true })
    await rule(workspace, 'round_robin', { channelId: other.id })
    const open = await inbound(channel, 'hello')
    assert.isNull(open.assigneeId)
    assert.isNull(open.waitingSince)
  })
})

test.group('Assignment: limits under concurrency', () => {
  test('resolving a conversation frees a slot: the oldest waiting one is assigned at once', async ({
    client,
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana', { online: true, max: 1 })
    await rule(workspace, 'round_robin')
    const first = await inbound(channel, 'one')
    const second = await inbound(channel, 'two')
    const third = await inbound(channel, 'three')
    assert.equal(first.assigneeId, ana.user.id)
    assert.isNotNull(second.waitingSince)
    assert.isNotNull(third.waitingSince)

    const resolved = await json(
      client
        .put(`/w/${workspace.slug}/inbox/conversations/${first.publicId}/status`)
        .loginAs(ana.user)
    ).json({ status: 'resolved' })
    assert.oneOf(resolved.status(), [200, 204, 302])
    assert.equal((await conversation(workspace.id, second.id)).assigneeId, ana.user.id)
    assert.isNull((await conversation(workspace.id, third.id)).assigneeId)
  })

  test('concurrent automatic assignments never push an agent over the limit', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana', { online: true, max: 2 })
    const conversations: Conversation[] = []
    for (let index = 0; index < 6; index++) conversations.push(await inbound(channel, `c${index}`))
    await rule(workspace, 'least_loaded')

    const outcomes = await Promise.all(conversations.map((c) => assignByRules(c)))
    assert.equal(outcomes.filter((outcome) => outcome === 'assigned').length, 2)
    assert.equal(outcomes.filter((outcome) => outcome === 'queued').length, 4)
    assert.equal(await openLoad(workspace, ana.user.id), 2)

    // Straight calls too: one more slot, five racing for it.
    await tenancy.run(workspace.id, () =>
      updateAgentSettings(ana.user.id, { maxOpenConversations: 3, skills: [], isSenior: false })
    )
    const waiting = await tenancy.run(workspace.id, () =>
      Conversation.query().whereNull('assignee_id').orderBy('id')
    )
    const results = await Promise.allSettled(
      waiting.map((c) =>
        assignConversation({
          conversation: c,
          toUserId: ana.user.id,
          actorId: null,
          reason: 'rule',
        })
      )
    )
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1)
    const refused = results.filter((result) => result.status === 'rejected')
    assert.lengthOf(refused, 3)
    for (const result of refused) {
      assert.instanceOf((result as PromiseRejectedResult).reason, AgentAtCapacityException)
    }
    assert.equal(await openLoad(workspace, ana.user.id), 3)

    // A person may exceed the limit on purpose.
    const manual = await assignConversation({
      conversation: waiting.at(-1)!,
      toUserId: ana.user.id,
      actorId: null,
      reason: 'manual',
    })
    assert.equal(manual.assigneeId, ana.user.id)
  })
})

test.group('Assignment: away and offline', () => {
  test('going offline hands open conversations to available teammates, or back to the queue', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana', { online: true })
    const ben = await agent(workspace, 'Ben', { online: true })
    const cy = await agent(workspace, 'Cy', { online: true })
    const support = await team(workspace, 'Support', [ana, ben])
    const sales = await team(workspace, 'Sales', [ana, cy], false)

    const assign = async (to: Agent, teamId: number) => {
      const open = await inbound(channel, 'hello')
      return assignConversation({
        conversation: open,
        toUserId: to.user.id,
        toTeamId: teamId,
        actorId: owner.id,
        reason: 'manual',
      })
    }
    const supportConversation = await assign(ana, support.id)
    const salesConversation = await assign(ana, sales.id)

    const response = await json(
      client.put(`/w/${workspace.slug}/inbox/availability`).loginAs(ana.user)
    ).json({ availability: 'offline' })
    response.assertStatus(200)

    const moved = await conversation(workspace.id, supportConversation.id)
    assert.equal(moved.assigneeId, ben.user.id)
    assert.equal(moved.teamId, support.id)
    const log = (await events(workspace, moved.id)).at(-1)!
    assert.equal(log.reason, 'reassign_away')
    assert.equal(log.fromUserId, ana.user.id)
    assert.equal(log.toUserId, ben.user.id)
    // Sales keeps conversations with their agent.
    assert.equal((await conversation(workspace.id, salesConversation.id)).assigneeId, ana.user.id)

    // Ben goes away with nobody left in Support: the conversation waits in the queue.
    await setAvailability(workspace.id, ben.user.id, 'away')
    const queued = await conversation(workspace.id, supportConversation.id)
    assert.isNull(queued.assigneeId)
    assert.isNotNull(queued.waitingSince)
    assert.equal(queued.teamId, support.id)
  })

  test('auto-away after the idle time reassigns; 0 minutes never does', async ({ assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana', { online: true })
    const ben = await agent(workspace, 'Ben', { online: true })
    const support = await team(workspace, 'Support', [ana, ben])
    const open = await inbound(channel, 'hello')
    await assignConversation({
      conversation: open,
      toUserId: ana.user.id,
      toTeamId: support.id,
      actorId: owner.id,
      reason: 'manual',
    })
    const idle = DateTime.now().minus({ minutes: 20 })
    await tenancy.run(workspace.id, async () => {
      const profile = await AgentProfile.findByOrFail('user_id', ana.user.id)
      profile.lastActivityAt = idle
      await profile.save()
    })

    await db.from('workspaces').where('id', workspace.id).update({ auto_away_minutes: 0 })
    await sweepAvailability()
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'online')

    // Online without any activity or change time: counted from the row's last write.
    const cy = await agent(workspace, 'Cy', { online: true })
    const timeless = () =>
      db
        .from('agent_profiles')
        .where('workspace_id', workspace.id)
        .where('user_id', cy.user.id)
        .update({ last_activity_at: null, availability_changed_at: null })
    await timeless()

    await db.from('workspaces').where('id', workspace.id).update({ auto_away_minutes: 15 })
    await sweepAvailability()
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'away')
    assert.equal(await currentAvailability(workspace.id, ben.user.id), 'online')
    assert.equal(await currentAvailability(workspace.id, cy.user.id), 'online')
    assert.equal((await conversation(workspace.id, open.id)).assigneeId, ben.user.id)

    await db
      .from('agent_profiles')
      .where('workspace_id', workspace.id)
      .where('user_id', cy.user.id)
      .update({ updated_at: idle.toSQL({ includeOffset: false }) })
    await sweepAvailability()
    assert.equal(await currentAvailability(workspace.id, cy.user.id), 'away')
  })

  test('the heartbeat keeps an active agent online', async ({ client, assert }) => {
    const { workspace } = await makeWorkspace()
    const ana = await agent(workspace, 'Ana', { online: true })
    await tenancy.run(workspace.id, async () => {
      const profile = await AgentProfile.findByOrFail('user_id', ana.user.id)
      profile.lastActivityAt = DateTime.now().minus({ minutes: 30 })
      await profile.save()
    })
    const beat = await json(client.post(`/w/${workspace.slug}/inbox/heartbeat`).loginAs(ana.user))
    beat.assertStatus(200)
    beat.assertBody({ availability: 'online' })
    await sweepAvailability()
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'online')
  })

  test('a heartbeat brings an auto-away agent back online; a chosen away or busy stays', async ({
    client,
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const ana = await agent(workspace, 'Ana', { online: true })
    const idle = async () =>
      tenancy.run(workspace.id, async () => {
        const profile = await AgentProfile.findByOrFail('user_id', ana.user.id)
        profile.lastActivityAt = DateTime.now().minus({ minutes: 30 })
        await profile.save()
      })
    const heartbeat = async () => {
      const response = await json(
        client.post(`/w/${workspace.slug}/inbox/heartbeat`).loginAs(ana.user)
      )
      response.assertStatus(200)
      return response.body().availability
    }
    const choose = async (availability: string) => {
      const response = await json(
        client.put(`/w/${workspace.slug}/inbox/availability`).loginAs(ana.user)
      ).json({ availability })
      response.assertStatus(200)
    }
    await db.from('workspaces').where('id', workspace.id).update({ auto_away_minutes: 15 })

    // Idle: the sweep sets her away; her next heartbeat (she is active again) brings her back.
    await idle()
    await sweepAvailability()
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'away')
    assert.equal(await heartbeat(), 'online')
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'online')
    // Back online means active: the next sweep leaves her online.
    await sweepAvailability()
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'online')

    // Away or busy by choice: heartbeats never change it.
    await choose('away')
    assert.equal(await heartbeat(), 'away')
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'away')
    await choose('busy')
    assert.equal(await heartbeat(), 'busy')
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'busy')

    // Auto-away, then she picks away in the menu: now it is her choice.
    await choose('online')
    await idle()
    await sweepAvailability()
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'away')
    await choose('away')
    assert.equal(await heartbeat(), 'away')
  })

  test('an auto-away agent back online through the heartbeat takes the waiting queue', async ({
    client,
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana', { online: true })
    await rule(workspace, 'round_robin')
    await db.from('workspaces').where('id', workspace.id).update({ auto_away_minutes: 15 })
    await tenancy.run(workspace.id, async () => {
      const profile = await AgentProfile.findByOrFail('user_id', ana.user.id)
      profile.lastActivityAt = DateTime.now().minus({ minutes: 30 })
      await profile.save()
    })
    await sweepAvailability()
    assert.equal(await currentAvailability(workspace.id, ana.user.id), 'away')

    // Nobody online: the new conversation waits.
    const waiting = await inbound(channel, 'hello')
    assert.isNull(waiting.assigneeId)
    assert.isNotNull(waiting.waitingSince)

    const beat = await json(client.post(`/w/${workspace.slug}/inbox/heartbeat`).loginAs(ana.user))
    beat.assertStatus(200)
    beat.assertBody({ availability: 'online' })
    assert.equal((await conversation(workspace.id, waiting.id)).assigneeId, ana.user.id)
  })
})

test.group('Assignment: routing rules', () => {
  test('a keyword routes a new conversation to a team with tags and priority', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const bill = await agent(workspace, 'Bill', { online: true })
    await agent(workspace, 'Other', { online: true })
    const billing = await team(workspace, 'Billing', [bill])
    const tag = await tagNamed(workspace, 'invoice')

    const created = await json(
      client.post(`/w/${workspace.slug}/settings/routing/rules`).loginAs(owner)
    )
      .json({
        name: 'Invoices',
        keywords: ['invoice', 'فاتورة'],
        setTeamId: billing.publicId,
        setPriority: 3,
        addTagIds: [tag.publicId],
      })
      .redirects(0)
    created.assertStatus(302)
    // Billing conversations are assigned within the team.
    await rule(workspace, 'round_robin', { teamId: billing.id, name: 'Billing team' })

    const routed = await inbound(channel, 'Where is my INVOICE, please?')
    assert.equal(routed.teamId, billing.id)
    assert.equal(routed.priority, 3)
    assert.equal(routed.assigneeId, bill.user.id)
    const tags = await db
      .from('conversation_tags')
      .where('conversation_id', routed.id)
      .select('tag_id')
    assert.deepEqual(
      tags.map((row) => Number(row.tag_id)),
      [tag.id]
    )
    const log = await events(workspace, routed.id)
    assert.deepEqual(
      log.map((row) => [row.reason, row.ruleName, row.toTeamId, row.toUserId]),
      [
        ['rule', 'Invoices', billing.id, null],
        ['rule', 'Billing team', billing.id, bill.user.id],
      ]
    )

    const arabic = await inbound(channel, 'أين فاتورة الشهر؟')
    assert.equal(arabic.teamId, billing.id)

    // Whole words only; later messages do not re-route.
    const plural = await inbound(channel, 'invoices overdue')
    assert.isNull(plural.teamId)
    assert.equal(plural.priority, 0)
    const waId = await waIdOf(workspace, plural)
    const later = await inbound(channel, 'about my invoice', waId)
    assert.equal(later.id, plural.id)
    assert.isNull(later.teamId)

    assert.isTrue(matchesKeywords('Need help: refund!', ['refund']))
    assert.isFalse(matchesKeywords('refunded', ['refund']))
  })

  test('the routing page lists rules; rules can be edited, reordered, disabled and deleted', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const base = `/w/${workspace.slug}/settings/routing`
    for (const name of ['First', 'Second']) {
      const response = await json(client.post(`${base}/rules`).loginAs(owner))
        .json({ name, keywords: [name.toLowerCase()] })
        .redirects(0)
      response.assertStatus(302)
    }
    const vipWithoutTags = await json(client.post(`${base}/assignment-rules`).loginAs(owner)).json({
      name: 'VIP',
      strategy: 'vip',
    })
    vipWithoutTags.assertStatus(422)
    const made = await json(client.post(`${base}/assignment-rules`).loginAs(owner))
      .json({ name: 'VIP', strategy: 'vip', vipTags: ['VIP'] })
      .redirects(0)
    made.assertStatus(302)

    let page = await client.get(base).loginAs(owner).withInertia()
    page.assertInertiaComponent('settings/routing')
    let props = page.inertiaProps as any
    assert.deepEqual(
      props.routingRules.map((r: any) => r.name),
      ['First', 'Second']
    )
    assert.deepEqual(props.assignmentRules[0].vipTags, ['VIP'])
    const second = props.routingRules[1].id

    await json(client.post(`${base}/rules/${second}/move`).loginAs(owner))
      .json({ direction: 'up' })
      .redirects(0)
    await json(client.put(`${base}/rules/${second}/enabled`).loginAs(owner))
      .json({ enabled: false })
      .redirects(0)
    await json(client.put(`${base}/rules/${second}`).loginAs(owner))
      .json({ name: 'Second renamed', keywords: ['two'], setPriority: 2 })
      .redirects(0)
    page = await client.get(base).loginAs(owner).withInertia()
    props = page.inertiaProps as any
    assert.deepEqual(
      props.routingRules.map((r: any) => [r.name, r.enabled, r.keywords, r.setPriority]),
      [
        ['Second renamed', false, ['two'], 2],
        ['First', true, ['first'], null],
      ]
    )
    await json(client.delete(`${base}/rules/${second}`).loginAs(owner)).redirects(0)
    await json(
      client.delete(`${base}/assignment-rules/${props.assignmentRules[0].id}`).loginAs(owner)
    ).redirects(0)
    page = await client.get(base).loginAs(owner).withInertia()
    props = page.inertiaProps as any
    assert.lengthOf(props.routingRules, 1)
    assert.lengthOf(props.assignmentRules, 0)
  })
})

test.group('Assignment: manual, log and permissions', () => {
  test('manual assign, transfer with a note, and the assignment log', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana')
    const ben = await agent(workspace, 'Ben')
    const support = await team(workspace, 'Support', [ana, ben])
    const open = await inbound(channel, 'hello')
    const url = `/w/${workspace.slug}/inbox/conversations/${open.publicId}`

    const first = await json(client.post(`${url}/assign`).loginAs(owner)).json({
      assignee: ana.membership.publicId,
      teamId: support.publicId,
    })
    first.assertStatus(200)
    assert.deepEqual(first.body().conversation.assignee, {
      id: ana.membership.publicId,
      name: 'Ana',
    })
    assert.deepEqual(first.body().conversation.team, { id: support.publicId, name: 'Support' })

    const transfer = await json(client.post(`${url}/assign`).loginAs(owner)).json({
      assignee: ben.membership.publicId,
      note: 'Ben knows this customer',
    })
    transfer.assertStatus(200)
    assert.equal(transfer.body().conversation.assignee.id, ben.membership.publicId)

    const unassign = await json(client.post(`${url}/assign`).loginAs(owner)).json({
      assignee: null,
    })
    unassign.assertStatus(200)
    assert.isNull(unassign.body().conversation.assignee)
    assert.equal(unassign.body().conversation.team.id, support.publicId)

    const log = await json(client.get(`${url}/assignments`).loginAs(owner))
    log.assertStatus(200)
    const entries = log.body().events
    assert.deepEqual(
      entries.map((entry: any) => [
        entry.reason,
        entry.from?.name ?? null,
        entry.to?.name ?? null,
        entry.actor?.name,
        entry.note,
      ]),
      [
        ['unassign', 'Ben', null, 'Owner', null],
        ['transfer', 'Ana', 'Ben', 'Owner', 'Ben knows this customer'],
        ['manual', null, 'Ana', 'Owner', null],
      ]
    )
    assert.deepEqual(entries[2].toTeam, { id: support.publicId, name: 'Support' })
    assert.isString(entries[0].at)

    const stranger = await json(client.post(`${url}/assign`).loginAs(owner)).json({
      assignee: 'not-a-member',
    })
    stranger.assertStatus(422)
  })

  test('agents without inbox.assign may only take unassigned conversations for themselves', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana')
    const ben = await agent(workspace, 'Ben')
    const marketer = await agent(workspace, 'Mia', { role: 'marketing' })
    const open = await inbound(channel, 'hello')
    const url = `/w/${workspace.slug}/inbox/conversations/${open.publicId}/assign`

    const toOther = await json(client.post(url).loginAs(ana.user)).json({
      assignee: ben.membership.publicId,
    })
    toOther.assertStatus(403)
    assert.isNull((await conversation(workspace.id, open.id)).assigneeId)

    const take = await json(client.post(url).loginAs(ana.user)).json({
      assignee: ana.membership.publicId,
    })
    take.assertStatus(200)
    assert.equal((await conversation(workspace.id, open.id)).assigneeId, ana.user.id)

    // Ben cannot take it away from her (he does not even see it).
    const steal = await json(client.post(url).loginAs(ben.user)).json({
      assignee: ben.membership.publicId,
    })
    assert.oneOf(steal.status(), [403])
    assert.equal((await conversation(workspace.id, open.id)).assigneeId, ana.user.id)

    // Nobody can be given to a member whose role cannot see the inbox.
    const toMarketer = await json(client.post(url).loginAs(owner)).json({
      assignee: marketer.membership.publicId,
    })
    toMarketer.assertStatus(422)
    assert.equal(toMarketer.body().errors[0].code, 'E_NOT_ASSIGNABLE')

    // A manager (inbox.assign) may reassign.
    const manager = await agent(workspace, 'Max', { role: 'manager' })
    const reassign = await json(client.post(url).loginAs(manager.user)).json({
      assignee: ben.membership.publicId,
    })
    reassign.assertStatus(200)
    assert.equal((await conversation(workspace.id, open.id)).assigneeId, ben.user.id)
  })

  test('removing a member unassigns their conversations, which wait for the next agent', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana', { online: true })
    const open = await inbound(channel, 'hello')
    await assignConversation({
      conversation: open,
      toUserId: ana.user.id,
      actorId: owner.id,
      reason: 'manual',
    })
    await rule(workspace, 'round_robin')

    const removed = await client
      .delete(`/w/${workspace.slug}/settings/members/${ana.membership.publicId}`)
      .loginAs(owner)
      .withCsrfToken()
      .redirects(0)
    removed.assertStatus(302)

    const after = await conversation(workspace.id, open.id)
    assert.isNull(after.assigneeId)
    assert.isNotNull(after.waitingSince)
    const log = (await events(workspace, open.id)).at(-1)!
    assert.equal(log.reason, 'member_removed')
    assert.equal(log.fromUserId, ana.user.id)

    const ben = await agent(workspace, 'Ben')
    await setAvailability(workspace.id, ben.user.id, 'online')
    assert.equal((await conversation(workspace.id, open.id)).assigneeId, ben.user.id)
  })
})

test.group('Assignment: teams settings', () => {
  test('teams: create, rename, members, agent settings, delete clears conversations', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana')
    const base = `/w/${workspace.slug}/settings/teams`

    const created = await json(client.post(base).loginAs(owner)).json({ name: 'Support' })
    created.assertStatus(201)
    const teamId = created.body().id
    const duplicate = await json(client.post(base).loginAs(owner)).json({ name: 'Support' })
    duplicate.assertStatus(422)

    await json(client.put(`${base}/${teamId}`).loginAs(owner))
      .json({ name: 'Customer care', reassignOnAway: false })
      .redirects(0)
    await json(client.post(`${base}/${teamId}/members`).loginAs(owner))
      .json({ userId: ana.membership.publicId })
      .redirects(0)
    await json(client.put(`${base}/agents/${ana.membership.publicId}`).loginAs(owner))
      .json({ maxOpenConversations: 5, skills: ['ar', 'billing'], isSenior: true })
      .redirects(0)

    const page = await client.get(base).loginAs(owner).withInertia()
    page.assertInertiaComponent('settings/teams')
    const props = page.inertiaProps as any
    assert.deepEqual(props.teams, [
      {
        id: teamId,
        name: 'Customer care',
        reassignOnAway: false,
        members: [{ id: ana.membership.publicId, name: 'Ana' }],
      },
    ])
    const row = props.agents.find((entry: any) => entry.id === ana.membership.publicId)
    assert.include(row, {
      maxOpenConversations: 5,
      isSenior: true,
      assignable: true,
      availability: 'offline',
    })
    assert.deepEqual(row.skills, ['ar', 'billing'])

    // An agent cannot manage teams.
    const forbidden = await json(client.post(base).loginAs(ana.user)).json({ name: 'Mine' })
    forbidden.assertStatus(403)

    const support = await tenancy.run(workspace.id, () => Team.findByOrFail('public_id', teamId))
    const open = await inbound(channel, 'hello')
    await assignConversation({
      conversation: open,
      toUserId: ana.user.id,
      toTeamId: support.id,
      actorId: owner.id,
      reason: 'manual',
    })
    await rule(workspace, 'round_robin', { teamId: support.id })

    await json(client.delete(`${base}/${teamId}/members/${ana.membership.publicId}`).loginAs(owner))
      .redirects(0)
      .then((response: any) => response.assertStatus(302))
    const deleted = await json(client.delete(`${base}/${teamId}`).loginAs(owner)).redirects(0)
    deleted.assertStatus(302)
    const after = await conversation(workspace.id, open.id)
    assert.isNull(after.teamId)
    assert.equal(after.assigneeId, ana.user.id)
    assert.lengthOf(
      await tenancy.run(workspace.id, () => AssignmentRule.query().where('team_id', support.id)),
      0
    )
  })
})

test.group('Assignment: two workspaces', () => {
  test('rules, agents and teams of one workspace never touch another', async ({
    client,
    assert,
  }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const anaOfA = await agent(a.workspace, 'Ana', { online: true })
    await rule(a.workspace, 'round_robin')
    const teamOfA = await team(a.workspace, 'Support A', [anaOfA])

    // B has no rules: its conversation stays unassigned although A's agent is online.
    const inB = await inbound(await sandboxOf(b.workspace), 'hello')
    assert.isNull(inB.assigneeId)
    assert.isNull(inB.waitingSince)

    // A's member and team cannot be used in B.
    const url = `/w/${b.workspace.slug}/inbox/conversations/${inB.publicId}/assign`
    const foreignAgent = await json(client.post(url).loginAs(b.owner)).json({
      assignee: anaOfA.membership.publicId,
    })
    foreignAgent.assertStatus(422)
    const foreignTeam = await json(client.post(url).loginAs(b.owner)).json({
      teamId: teamOfA.publicId,
    })
    foreignTeam.assertStatus(422)
    await assert.rejects(() =>
      assignConversation({
        conversation: inB,
        toUserId: anaOfA.user.id,
        actorId: null,
        reason: 'manual',
      })
    )
    assert.isNull((await conversation(b.workspace.id, inB.id)).assigneeId)

    const teamsOfB = await client
      .get(`/w/${b.workspace.slug}/settings/teams`)
      .loginAs(b.owner)
      .withInertia()
    assert.lengthOf((teamsOfB.inertiaProps as any).teams, 0)
    assert.notInclude(
      (teamsOfB.inertiaProps as any).agents.map((row: any) => row.id),
      anaOfA.membership.publicId
    )

    // A's own conversation is assigned in A.
    const inA = await inbound(await sandboxOf(a.workspace), 'hello')
    assert.equal(inA.assigneeId, anaOfA.user.id)
  })
})

test.group('Assignment: cross-tenant sweep', () => {
  test('every assignment, team and routing route answers 404 with an audit row for another workspace', async ({
    client,
    assert,
  }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const ana = await agent(a.workspace, 'Ana')
    const open = await inbound(await sandboxOf(a.workspace), 'hello')
    const support = await team(a.workspace, 'Support', [ana])
    const routingRule = await tenancy.run(a.workspace.id, () =>
      RoutingRule.create({
        name: 'Invoices',
        position: 0,
        enabled: true,
        keywords: ['invoice'],
        addTagIds: [],
      })
    )
    const assignmentRule = await rule(a.workspace, 'round_robin')
    const mine = [
      '/inbox/conversations/:conversation/assign',
      '/inbox/conversations/:conversation/assignments',
      '/settings/teams',
      '/settings/routing',
    ]
    const routes = routesWithParams().filter((route) =>
      mine.some((prefix) => route.pattern.startsWith(`/w/:workspace${prefix}`))
    )
    assert.isAtLeast(routes.length, 15)
    const { checked, findings } = await sweep(
      client,
      {
        paramsOfA: {
          workspace: a.workspace.slug,
          conversation: open.publicId,
          team: support.publicId,
          member: ana.membership.publicId,
          rule: routingRule.publicId,
          assignmentRule: assignmentRule.publicId,
        },
        slugOfB: b.workspace.slug,
        intruder: b.owner,
      },
      routes
    )
    assert.isAbove(checked, routes.length)
    assert.deepEqual(findings, [])
    // Nothing of A changed.
    const after = await conversation(a.workspace.id, open.id)
    assert.isNull(after.assigneeId)
    assert.lengthOf(await tenancy.run(a.workspace.id, () => Team.all()), 1)
  })
})

test.group('Assignment: one webhook batch', () => {
  test('a batch routes first inbound messages, assigns in turn within limits, queues the rest and reads the rules once', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const ana = await agent(workspace, 'Ana', { online: true, max: 2 })
    const ben = await agent(workspace, 'Ben', { online: true, max: 2 })
    await rule(workspace, 'round_robin')
    const billing = await tagNamed(workspace, 'Billing')
    await tenancy.run(workspace.id, () =>
      RoutingRule.create({
        name: 'Refunds',
        position: 0,
        enabled: true,
        keywords: ['refund'],
        setPriority: 2,
        addTagIds: [billing.id],
      })
    )
    // A conversation an agent started (a template): Ben's, no inbound message yet.
    const [x, a, b, c, d] = [1, 2, 3, 4, 5].map(() => randomWaId())
    const started = await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: x, phone: `+${x}` })
      return Conversation.create({
        contactId: contact.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
        assigneeId: ben.user.id,
      })
    })

    const item = (waId: string, body: string) => batchItem(channel, waId, body)
    const reads = { routing: 0, assignment: 0 }
    const knex = db.connection().getWriteClient()
    const count = (query: { sql: string }) => {
      if (/from [`"]routing_rules[`"]/i.test(query.sql)) reads.routing++
      if (/from [`"]assignment_rules[`"]/i.test(query.sql)) reads.assignment++
    }
    knex.on('query', count)
    try {
      await tenancy.run(workspace.id, () =>
        recordInboundBatch([
          item(x, 'I want a refund'),
          item(a, 'hello'),
          item(a, 'refund please'),
          item(b, 'refund now'),
          item(c, 'hi'),
          item(d, 'hey'),
        ])
      )
    } finally {
      knex.off('query', count)
    }
    assert.deepEqual(reads, { routing: 1, assignment: 1 })

    const of = (waId: string) => conversationOfWaId(workspace, waId)
    const tagged = async (routed: Conversation) =>
      (
        await db
          .from('conversation_tags')
          .where('conversation_id', routed.id)
          .where('tag_id', billing.id)
      ).length === 1
    const [cx, ca, cb, cc, cd] = await Promise.all([x, a, b, c, d].map(of))
    // Routing on each conversation's first inbound message only.
    assert.equal(cx.id, started.id)
    assert.isTrue(await tagged(cx))
    assert.equal(cx.priority, 2)
    assert.isFalse(await tagged(ca))
    assert.isTrue(await tagged(cb))
    // In turn (Ana, then Ben, who already had one), never over a limit of 2.
    assert.equal(cx.assigneeId, ben.user.id)
    assert.equal(ca.assigneeId, ana.user.id)
    assert.equal(cb.assigneeId, ben.user.id)
    assert.equal(cc.assigneeId, ana.user.id)
    assert.isNull(cd.assigneeId)
    assert.isNotNull(cd.waitingSince)
    const loads = await openLoads(workspace.id, [ana.user.id, ben.user.id])
    assert.deepEqual([loads.get(ana.user.id), loads.get(ben.user.id)], [2, 2])
  })
})

async function waIdOf(workspace: Workspace, open: Conversation) {
  const contact = await db
    .from('contacts')
    .where('workspace_id', workspace.id)
    .where('id', open.contactId)
    .first()
  return String(contact.wa_id)
}
