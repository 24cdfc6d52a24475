import { test } from '@japa/runner'
import router from '@adonisjs/core/services/router'
import db from '@adonisjs/lucid/services/db'
import { middleware } from '#start/kernel'
import Membership from '#core/models/membership'
import Channel from '#channels/models/channel'
import { tenancy } from '#core/tenancy/context'
import { createRole } from '#core/actions/manage_roles'
import { inviteMember } from '#core/actions/invite_member'
import { makeUser, makeWorkspace, addMember } from '#tests/helpers/fixtures'
import { routesWithParams, sweep, type SweepFixtures } from '#tests/helpers/cross_tenant_sweep'
import Contact from '#contacts/models/contact'
import Tag from '#contacts/models/tag'
import Conversation from '#inbox/models/conversation'
import SavedReply from '#inbox/models/saved_reply'
import ScheduledMessage from '#inbox/models/scheduled_message'
import { DateTime } from 'luxon'
import Team from '#inbox/models/team'
import RoutingRule from '#inbox/models/routing_rule'
import AssignmentRule from '#inbox/models/assignment_rule'
import { contactsParamsOf } from '#tests/helpers/contacts_sweep'
import { templatesParamsOf } from '#tests/helpers/templates_sweep'
import { campaignsParamsOf } from '#tests/helpers/campaigns_sweep'

/** Workspace A's team, routing rule and assignment rule. */
async function teamsAndRulesOf(workspaceId: number) {
  return tenancy.run(workspaceId, async () => {
    const team = await Team.create({ name: 'Support', reassignOnAway: true })
    const rule = await RoutingRule.create({
      name: 'Invoices',
      position: 0,
      enabled: true,
      keywords: ['invoice'],
      addTagIds: [],
    })
    const assignmentRule = await AssignmentRule.create({
      name: 'Everyone',
      position: 0,
      enabled: true,
      strategy: 'round_robin',
      options: {},
    })
    return {
      team: team.publicId,
      rule: rule.publicId,
      assignmentRule: assignmentRule.publicId,
    }
  })
}

/** Workspace A's tag, shared saved reply, conversation and scheduled message. */
async function tagsRepliesScheduledOf(workspaceId: number) {
  return tenancy.run(workspaceId, async () => {
    const channel = await Channel.query().firstOrFail()
    const contact = await Contact.create({ waId: '919800000001', phone: '+919800000001' })
    const conversation = await Conversation.create({
      contactId: contact.id,
      channelId: channel.id,
      status: 'open',
      unreadCount: 0,
    })
    const tag = await Tag.query().firstOrFail()
    const reply = await SavedReply.create({
      shortcut: 'hello',
      title: 'Hello',
      body: 'Hello {{contact.name}}',
      usageCount: 0,
    })
    const scheduled = await ScheduledMessage.create({
      conversationId: conversation.id,
      body: 'Later',
      sendAt: DateTime.now().plus({ days: 1 }),
      timezone: 'UTC',
      status: 'scheduled',
    })
    return {
      conversation: conversation.publicId,
      tag: tag.publicId,
      reply: reply.publicId,
      scheduled: scheduled.publicId,
    }
  })
}

/** Workspace A's message (media route) and its owner's saved inbox filter. */
async function inboxListParamsOf(workspaceId: number, ownerId: number) {
  const { default: Message } = await import('#inbox/models/message')
  const { default: SavedFilter } = await import('#inbox/models/saved_filter')
  return tenancy.run(workspaceId, async () => {
    const conversation = await Conversation.query().firstOrFail()
    const message = await Message.create({
      conversationId: conversation.id,
      channelId: conversation.channelId,
      direction: 'in',
      type: 'image',
      body: null,
      payload: {},
      status: 'received',
      mediaPath: `workspaces/${workspaceId}/media/sweep.jpg`,
      mediaMime: 'image/jpeg',
      attempts: 0,
    })
    const filter = await SavedFilter.create({
      userId: ownerId,
      name: 'Mine, unread',
      filters: { view: 'mine', unread: true },
    })
    return { message: message.publicId, filter: filter.publicId }
  })
}

async function fixtures(): Promise<SweepFixtures> {
  const a = await makeWorkspace()
  const b = await makeWorkspace()
  const memberOfA = await makeUser()
  await addMember(a.workspace, memberOfA, 'agent')
  const ids = await tenancy.run(a.workspace.id, async () => {
    const role = await createRole(a.workspace, { name: 'Night shift', permissions: ['inbox.view'] })
    const invitation = await inviteMember({
      workspace: a.workspace,
      inviter: a.owner,
      email: 'invitee@example.test',
      role,
    })
    const member = await Membership.query().where('user_id', memberOfA.id).firstOrFail()
    const channel = await Channel.query().firstOrFail()
    return {
      role: role.publicId,
      invitation: invitation.publicId,
      member: member.publicId,
      channel: channel.publicId,
    }
  })
  return {
    paramsOfA: {
      workspace: a.workspace.slug,
      id: a.workspace.publicId,
      ...ids,
      ...(await tagsRepliesScheduledOf(a.workspace.id)),
      ...(await teamsAndRulesOf(a.workspace.id)),
      ...(await inboxListParamsOf(a.workspace.id, a.owner.id)),
      ...(await contactsParamsOf(a.workspace.id, a.owner.id)),
      ...(await templatesParamsOf(a.workspace.id)),
      ...(await campaignsParamsOf(a.workspace.id, a.owner.id)),
    },
    slugOfB: b.workspace.slug,
    intruder: b.owner,
  }
}

/**
 * A route that reads roles without the tenancy scope: exactly the bug the
 * sweep exists for. Registered at import time, before the test HTTP server
 * commits the routes; the real sweep leaves it out, the canary test
 * sweeps only it.
 */
const LEAKY_CANARY = '/w/:workspace/leaky-roles/:role'
router
  .get(LEAKY_CANARY, async ({ params }) => {
    return db.from('roles').where('public_id', params.role).first()
  })
  .use([middleware.auth(), middleware.workspace()])

test.group('Cross-tenant sweep', () => {
  test('every route with a parameter answers 404 and audits when B reaches for A', async ({
    client,
    assert,
  }) => {
    const routes = routesWithParams().filter((route) => route.pattern !== LEAKY_CANARY)
    assert.isAbove(routes.length, 10, 'the sweep found the parameterised routes')
    const { checked, findings } = await sweep(client, await fixtures(), routes)
    assert.isAbove(checked, routes.length)
    assert.deepEqual(findings, [])
  })

  test('the sweep reports a deliberately leaky route', async ({ client, assert }) => {
    const leaky = routesWithParams().filter((route) => route.pattern === LEAKY_CANARY)
    assert.lengthOf(leaky, 1)

    const { findings } = await sweep(client, await fixtures(), leaky)
    // Through A's slug the membership check still holds; through B's slug it leaks A's role.
    assert.lengthOf(findings, 1)
    assert.equal(findings[0].status, 200)
    assert.isFalse(findings[0].audited)
  })

  test('a scoped lookup of another workspace row is a 404 with an audit row naming the owner', async ({
    client,
    assert,
  }) => {
    const data = await fixtures()
    const response = await client
      .put(`/w/${data.slugOfB}/settings/roles/${data.paramsOfA.role}`)
      .loginAs(data.intruder)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Hijacked', permissions: [] })
    response.assertStatus(404)
    const { default: AuditLog } = await import('#core/models/audit_log')
    const entry = await AuditLog.query()
      .where('action', 'security.cross_tenant_denied')
      .where('target_id', data.paramsOfA.role)
      .firstOrFail()
    assert.equal(entry.actorId, data.intruder.id)
    assert.equal(entry.targetType, 'roles')
    assert.isNotNull(entry.ip)
    assert.include(entry.route!, '/settings/roles/')
    const unchanged = await db.from('roles').where('public_id', data.paramsOfA.role).first()
    assert.equal(unchanged.name, 'Night shift')
  })
})
