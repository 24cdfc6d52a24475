import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import AuditLog from '#core/models/audit_log'
import Notification from '#core/models/notification'
import Membership from '#core/models/membership'
import Role from '#core/models/role'
import RolePermission from '#core/models/role_permission'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import Contact from '#contacts/models/contact'
import MessageTemplate from '#templates/models/message_template'
import Campaign from '#campaigns/models/campaign'
import CampaignRecipient from '#campaigns/models/campaign_recipient'
import CampaignVariant from '#campaigns/models/campaign_variant'
import { prepareCampaign } from '#campaigns/actions/prepare_campaign'
import { pickWinner } from '#campaigns/actions/pick_winner'
import { runCampaignScheduler } from '#campaigns/jobs/scheduler'
import { nextOccurrence, occurrencesBetween } from '#campaigns/services/recurrence'
import { saveCampaignSettings } from '#campaigns/services/settings'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { approvedTemplate, channelOf, draftPayload, seedContacts } from './fixtures.js'

function api(client: any, method: 'get' | 'post' | 'put', url: string, user: User) {
  return client[method](url).loginAs(user).withCsrfToken().header('accept', 'application/json')
}

async function setup(count = 3, options: { timezone?: string | null } = {}) {
  const { workspace, owner } = await makeWorkspace()
  const template = await approvedTemplate(workspace)
  const channel = await channelOf(workspace)
  const { contacts } = await seedContacts(workspace, count, { prefix: '98710', ...options })
  return { workspace, owner, template, channel, contacts }
}

async function draft(
  client: any,
  workspace: Workspace,
  user: User,
  payload: Record<string, unknown>
): Promise<string> {
  const response = await api(client, 'post', `/w/${workspace.slug}/campaigns`, user).json(payload)
  response.assertStatus(201)
  return response.body().id
}

const find = (workspace: Workspace, id: string) =>
  tenancy.run(workspace.id, () => Campaign.findByOrFail('public_id', id))

const rowsOf = (workspace: Workspace, id: string) =>
  tenancy.run(workspace.id, async () => {
    const campaign = await Campaign.findByOrFail('public_id', id)
    return CampaignRecipient.query().where('campaign_id', campaign.id).orderBy('contact_id')
  })

async function prepareNow(workspace: Workspace, id: string, now = DateTime.utc()) {
  await tenancy.run(workspace.id, async () => {
    const campaign = await Campaign.findByOrFail('public_id', id)
    campaign.status = 'preparing'
    await campaign.save()
    await prepareCampaign(campaign.id, { now })
  })
}

test.group('Campaigns: scheduling (fake clock)', () => {
  test('a due campaign starts, a not-yet-due one waits', async ({ client, assert }) => {
    const { workspace, owner, template, channel } = await setup()
    const now = DateTime.utc().startOf('minute')
    const sendAt = now.plus({ minutes: 10 })
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
        schedule: { mode: 'later', sendAt: sendAt.toISO(), timezone: 'UTC' },
      })
    )
    const sent = await api(client, 'post', `/w/${workspace.slug}/campaigns/${id}/send`, owner)
    sent.assertStatus(200)
    assert.equal(sent.body().status, 'scheduled')

    const early = await runCampaignScheduler(sendAt.minus({ minutes: 1 }))
    assert.equal((await find(workspace, id)).status, 'scheduled')
    assert.equal(early.started, 0)

    const due = await runCampaignScheduler(sendAt.plus({ seconds: 20 }))
    assert.isAtLeast(due.started, 1)
    assert.equal((await find(workspace, id)).status, 'preparing')
    // A second sweep does not start it twice.
    await runCampaignScheduler(sendAt.plus({ seconds: 35 }))
    const jobs = await db
      .from('jobs')
      .where('name', 'campaigns.prepare')
      .where('unique_key', 'like', `%campaigns.prepare:${(await find(workspace, id)).id}`)
    assert.lengthOf(jobs, 1)

    await drainQueue({ timeoutMs: 30_000, except: ['campaigns.pick_winner'] })
    const campaign = await find(workspace, id)
    assert.include(['running', 'completed'], campaign.status)
    assert.lengthOf(await rowsOf(workspace, id), 3)
  })

  test('local time: each contact gets the wall-clock time in their own timezone', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, template, channel, contacts } = await setup(3)
    await tenancy.run(workspace.id, async () => {
      contacts[0].timezone = 'Asia/Kolkata'
      await contacts[0].save()
      contacts[1].timezone = 'America/New_York'
      await contacts[1].save()
    })
    const now = DateTime.utc()
    const day = now.plus({ days: 2 }).toFormat('yyyy-LL-dd')
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
        schedule: { mode: 'later', sendAt: `${day}T10:00`, timezone: 'UTC', localTime: true },
      })
    )
    const campaign = await find(workspace, id)
    assert.equal(campaign.sendAt!.toISO(), `${day}T10:00:00.000Z`)
    // The scheduler starts a local-time campaign up to 14 hours early.
    await api(client, 'post', `/w/${workspace.slug}/campaigns/${id}/send`, owner)
    await runCampaignScheduler(campaign.sendAt!.minus({ hours: 15 }))
    assert.equal((await find(workspace, id)).status, 'scheduled')
    await runCampaignScheduler(campaign.sendAt!.minus({ hours: 13 }))
    assert.equal((await find(workspace, id)).status, 'preparing')

    await tenancy.run(workspace.id, () => prepareCampaign(campaign.id, { now }))
    const rows = await rowsOf(workspace, id)
    const due = Object.fromEntries(rows.map((row) => [row.contactId, row.dueAt?.toUTC().toISO()]))
    const ny = DateTime.fromISO(`${day}T10:00`, { zone: 'America/New_York' }).toUTC().toISO()
    assert.equal(due[contacts[0].id], `${day}T04:30:00.000Z`)
    assert.equal(due[contacts[1].id], ny)
    // No timezone: the workspace's (UTC for a new workspace).
    assert.equal(due[contacts[2].id], `${day}T10:00:00.000Z`)
  })

  test('recurrence: daily, weekly and monthly next dates and the until date', ({ assert }) => {
    const anchor = DateTime.fromISO('2027-01-31T09:00:00', { zone: 'Europe/Paris' }).toUTC()
    const daily = { freq: 'daily' as const, interval: 2 }
    assert.equal(
      nextOccurrence(anchor, daily, anchor, 'Europe/Paris')!.setZone('Europe/Paris').toISO(),
      '2027-02-02T09:00:00.000+01:00'
    )
    const weekly = { freq: 'weekly' as const, interval: 1 }
    assert.equal(
      nextOccurrence(anchor, weekly, anchor.plus({ days: 1 }), 'Europe/Paris')!
        .setZone('Europe/Paris')
        .toISODate(),
      '2027-02-07'
    )
    // Monthly from the 31st: the last day of short months, without drifting.
    const monthly = { freq: 'monthly' as const, interval: 1 }
    const months = occurrencesBetween(
      anchor,
      monthly,
      anchor,
      anchor.plus({ months: 3 }).plus({ days: 1 }),
      'Europe/Paris'
    ).map((at) => at.setZone('Europe/Paris').toISO())
    assert.deepEqual(months, [
      '2027-01-31T09:00:00.000+01:00',
      '2027-02-28T09:00:00.000+01:00',
      '2027-03-31T09:00:00.000+02:00',
      '2027-04-30T09:00:00.000+02:00',
    ])
    // Wall clock kept across the DST change (09:00 in Paris on Mar 31, +02:00).
    const until = { ...daily, until: '2027-02-04' }
    assert.isNotNull(nextOccurrence(anchor, until, anchor.plus({ days: 3 }), 'Europe/Paris'))
    assert.isNull(nextOccurrence(anchor, until, anchor.plus({ days: 4 }), 'Europe/Paris'))
  })

  test('a recurring campaign spawns one child per occurrence, then completes', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, template, channel } = await setup(2)
    const start = DateTime.utc().plus({ hours: 1 }).startOf('minute')
    const until = start.plus({ days: 1 }).toFormat('yyyy-LL-dd')
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
        schedule: {
          mode: 'later',
          sendAt: start.toISO(),
          timezone: 'UTC',
          recurrence: { freq: 'daily', interval: 1, until },
        },
      })
    )
    const sent = await api(client, 'post', `/w/${workspace.slug}/campaigns/${id}/send`, owner)
    assert.equal(sent.body().status, 'recurring')
    const parent = await find(workspace, id)
    assert.equal(parent.nextRunAt!.toISO(), start.toISO())

    assert.equal((await runCampaignScheduler(start.minus({ minutes: 1 }))).spawned, 0)
    assert.equal((await runCampaignScheduler(start.plus({ seconds: 10 }))).spawned, 1)
    assert.equal((await runCampaignScheduler(start.plus({ seconds: 30 }))).spawned, 0)
    const afterFirst = await find(workspace, id)
    assert.equal(afterFirst.nextRunAt!.toISO(), start.plus({ days: 1 }).toISO())

    assert.equal((await runCampaignScheduler(start.plus({ days: 1, seconds: 5 }))).spawned, 1)
    const done = await find(workspace, id)
    assert.equal(done.status, 'completed')
    assert.isNull(done.nextRunAt)

    const children = await tenancy.run(workspace.id, () =>
      Campaign.query().where('parent_id', parent.id).orderBy('send_at')
    )
    assert.lengthOf(children, 2)
    assert.equal(children[0].status, 'preparing')
    assert.equal(children[0].sendAt!.toISO(), start.toISO())
    const variants = await tenancy.run(workspace.id, () =>
      CampaignVariant.query().where('campaign_id', children[1].id)
    )
    assert.lengthOf(variants, 1)
    assert.equal(variants[0].templateId, template.id)
  })
})

test.group('Campaigns: A/B', () => {
  test('split counts are exact and the assignment is deterministic', async ({ client, assert }) => {
    const { workspace, owner, template, channel } = await setup(100)
    const other = await approvedTemplate(workspace, { name: 'promo_other' })
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
        variants: [
          { template: template.publicId, splitPercent: 50 },
          { template: other.publicId, splitPercent: 30 },
          { template: template.publicId, splitPercent: 20 },
        ],
      })
    )
    await prepareNow(workspace, id)
    const rows = await rowsOf(workspace, id)
    const variants = await tenancy.run(workspace.id, async () =>
      CampaignVariant.query()
        .where('campaign_id', (await Campaign.findByOrFail('public_id', id)).id)
        .orderBy('label')
    )
    const count = (variantId: number) => rows.filter((row) => row.variantId === variantId).length
    assert.deepEqual(
      variants.map((variant) => count(variant.id)),
      [50, 30, 20]
    )
    const first = rows.map((row) => `${row.contactId}:${row.variantId}`)

    // Prepared again (a retried job): the same contacts get the same arms.
    await prepareNow(workspace, id)
    const again = (await rowsOf(workspace, id)).map((row) => `${row.contactId}:${row.variantId}`)
    assert.deepEqual(again, first)
    // Not simply in id order: the first ten contacts are not all in arm A.
    assert.isBelow(rows.slice(0, 10).filter((row) => row.variantId === variants[0].id).length, 10)
  })

  test('test phase: a share gets the variants, the winner by read rate goes to the rest', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, template, channel } = await setup(50)
    const other = await approvedTemplate(workspace, { name: 'promo_b' })
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
        variants: [
          { template: template.publicId, splitPercent: 50 },
          { template: other.publicId, splitPercent: 50 },
        ],
        abTest: { testPercent: 20, winnerMetric: 'read', winnerAfterHours: 2 },
      })
    )
    const now = DateTime.utc().startOf('second')
    await prepareNow(workspace, id, now)
    const rows = await rowsOf(workspace, id)
    const inTest = rows.filter((row) => row.phase === 'test')
    const rest = rows.filter((row) => row.phase === 'rest')
    assert.lengthOf(inTest, 10)
    assert.lengthOf(rest, 40)
    assert.isTrue(rest.every((row) => row.variantId === null))
    const campaign = await find(workspace, id)
    assert.equal(campaign.winnerDueAt!.toISO(), now.plus({ hours: 2 }).toISO())
    const pickJob = await db.from('jobs').where('name', 'campaigns.pick_winner').first()
    assert.isNotNull(pickJob)

    const [a, b] = await tenancy.run(workspace.id, () =>
      CampaignVariant.query().where('campaign_id', campaign.id).orderBy('label')
    )
    const ofA = inTest.filter((row) => row.variantId === a.id)
    const ofB = inTest.filter((row) => row.variantId === b.id)
    assert.lengthOf(ofA, 5)
    assert.lengthOf(ofB, 5)
    // Everyone in the test was sent; B was read 4 times, A once.
    const stamp = now.toFormat('yyyy-LL-dd HH:mm:ss')
    await db
      .from('campaign_recipients')
      .whereIn(
        'id',
        inTest.map((row) => row.id)
      )
      .update({
        status: 'sent',
        sent_at: stamp,
      })
    await db
      .from('campaign_recipients')
      .whereIn('id', [ofA[0].id, ...ofB.slice(0, 4).map((r) => r.id)])
      .update({
        status: 'read',
        read_at: stamp,
      })
    const winner = await tenancy.run(workspace.id, () => pickWinner(campaign.id))
    assert.equal(winner, b.id)
    const after = await rowsOf(workspace, id)
    assert.isTrue(
      after.filter((row) => row.phase === 'rest').every((row) => row.variantId === b.id)
    )
    assert.equal((await find(workspace, id)).winnerVariantId, b.id)
    // Runs once.
    assert.isNull(await tenancy.run(workspace.id, () => pickWinner(campaign.id)))
  })
})

test.group('Campaigns: approval, failures, export', () => {
  test('a marketer sends for approval, a manager approves (audited) or rejects with a reason', async ({
    client,
    assert,
  }) => {
    const { workspace, template, channel } = await setup(2)
    const marketer = await makeUser()
    const manager = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    await addMember(workspace, manager, 'manager')
    await tenancy.run(workspace.id, () =>
      saveCampaignSettings({ approvalRequired: true, frequencyCapHours: 24, replyWindowHours: 72 })
    )
    const payload = draftPayload({
      channel: channel.publicId,
      template: template.publicId,
      allContacts: true,
    })
    const id = await draft(client, workspace, marketer, payload)
    const sent = await api(client, 'post', `/w/${workspace.slug}/campaigns/${id}/send`, marketer)
    sent.assertStatus(200)
    assert.equal(sent.body().status, 'awaiting_approval')
    const notice = await tenancy.run(workspace.id, () =>
      Notification.query()
        .where('user_id', manager.id)
        .where('type', 'campaigns.approval_requested')
        .first()
    )
    assert.isNotNull(notice)
    assert.equal(notice!.data.campaign, id)

    const selfApproval = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${id}/approve`,
      marketer
    )
    selfApproval.assertStatus(403)

    const approved = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${id}/approve`,
      manager
    )
    approved.assertStatus(200)
    assert.equal(approved.body().status, 'preparing')
    const campaign = await find(workspace, id)
    assert.equal(campaign.approvedBy, manager.id)
    const entry = await AuditLog.query()
      .where('action', 'campaigns.approved')
      .where('target_id', id)
      .firstOrFail()
    assert.equal(entry.actorId, manager.id)

    // Another one, rejected.
    const second = await draft(client, workspace, marketer, { ...payload, name: 'Second' })
    await api(client, 'post', `/w/${workspace.slug}/campaigns/${second}/send`, marketer)
    const noReason = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${second}/reject`,
      manager
    ).json({ reason: '' })
    noReason.assertStatus(422)
    const rejected = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${second}/reject`,
      manager
    ).json({ reason: 'Wrong discount code' })
    rejected.assertStatus(200)
    assert.equal(rejected.body().status, 'draft')
    const back = await find(workspace, second)
    assert.include(back.failureReason!, 'Wrong discount code')
    const told = await tenancy.run(workspace.id, () =>
      Notification.query().where('user_id', marketer.id).where('type', 'campaigns.rejected').first()
    )
    assert.equal(told!.data.reason, 'Wrong discount code')
    assert.isNotNull(
      await AuditLog.query()
        .where('action', 'campaigns.rejected')
        .where('target_id', second)
        .first()
    )

    // An approver sending their own campaign needs nobody else.
    const own = await draft(client, workspace, manager, { ...payload, name: 'Own' })
    const direct = await api(client, 'post', `/w/${workspace.slug}/campaigns/${own}/send`, manager)
    assert.equal(direct.body().status, 'preparing')
  })

  test('approval follows campaigns.approve: a custom role that holds it approves, one without is refused', async ({
    client,
    assert,
  }) => {
    const { workspace, template, channel } = await setup(2)
    const marketer = await makeUser()
    const lead = await makeUser()
    const viewer = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    await tenancy.run(workspace.id, async () => {
      const withApproval = await Role.create({ name: 'Campaign lead', isSystem: false })
      await RolePermission.createMany(
        (['campaigns.view', 'campaigns.approve'] as const).map((permission) => ({
          roleId: withApproval.id,
          permission,
        }))
      )
      const without = await Role.create({ name: 'Campaign viewer', isSystem: false })
      await RolePermission.create({ roleId: without.id, permission: 'campaigns.view' })
      await Membership.create({ userId: lead.id, roleId: withApproval.id })
      await Membership.create({ userId: viewer.id, roleId: without.id })
      await saveCampaignSettings({
        approvalRequired: true,
        frequencyCapHours: 24,
        replyWindowHours: 72,
      })
    })
    const payload = draftPayload({
      channel: channel.publicId,
      template: template.publicId,
      allContacts: true,
    })
    const id = await draft(client, workspace, marketer, payload)
    const sent = await api(client, 'post', `/w/${workspace.slug}/campaigns/${id}/send`, marketer)
    assert.equal(sent.body().status, 'awaiting_approval')
    const notified = await tenancy.run(workspace.id, () =>
      Notification.query().where('type', 'campaigns.approval_requested').select('user_id')
    )
    const ids = notified.map((notice) => notice.userId)
    assert.include(ids, lead.id)
    assert.notInclude(ids, viewer.id)
    assert.notInclude(ids, marketer.id)

    const refused = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${id}/approve`,
      viewer
    )
    refused.assertStatus(403)
    assert.equal(refused.body().errors[0].code, 'E_NOT_APPROVER')
    const approved = await api(client, 'post', `/w/${workspace.slug}/campaigns/${id}/approve`, lead)
    approved.assertStatus(200)
    assert.equal(approved.body().status, 'preparing')
    assert.equal((await find(workspace, id)).approvedBy, lead.id)
  })

  test('failed to start: template no longer approved, nobody to send to; the creator is told why', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, template, channel } = await setup(2)
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    await tenancy.run(workspace.id, async () => {
      const row = await MessageTemplate.findOrFail(template.id)
      row.status = 'PAUSED'
      await row.save()
    })
    await prepareNow(workspace, id)
    const failed = await find(workspace, id)
    assert.equal(failed.status, 'failed')
    assert.match(failed.failureReason!, /^E_TEMPLATE_NOT_APPROVED/)
    const notice = await tenancy.run(workspace.id, () =>
      Notification.query()
        .where('user_id', owner.id)
        .where('type', 'campaigns.failed_to_start')
        .firstOrFail()
    )
    assert.equal(notice.data.reason, 'E_TEMPLATE_NOT_APPROVED')

    // Approved again, but every contact opted out: no recipients.
    const fresh = await approvedTemplate(workspace, { name: 'promo_again' })
    await tenancy.run(workspace.id, async () => {
      await db.from('consent_events').where('workspace_id', workspace.id).delete()
    })
    const empty = await draft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: fresh.publicId, allContacts: true })
    )
    await prepareNow(workspace, empty)
    const none = await find(workspace, empty)
    assert.equal(none.status, 'failed')
    assert.equal(none.failureReason, 'E_NO_RECIPIENTS')
    assert.equal(none.skippedCount, 2)

    // A template of another WhatsApp Business Account than the sending number.
    await db.from('channels').where('id', channel.id).update({ waba_id: 'waba-elsewhere' })
    const other = await draft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: fresh.publicId, allContacts: true })
    )
    const refused = await api(client, 'post', `/w/${workspace.slug}/campaigns/${other}/send`, owner)
    refused.assertStatus(422)
    assert.equal(refused.body().errors[0].rule, 'template_other_account')
    await prepareNow(workspace, other)
    assert.match((await find(workspace, other)).failureReason!, /^E_TEMPLATE_OTHER_ACCOUNT/)
  })

  test('CSV export streams every recipient with status and reason', async ({ client, assert }) => {
    const { workspace, owner, template, channel, contacts } = await setup(3)
    await tenancy.run(workspace.id, async () => {
      const erased = await Contact.findOrFail(contacts[2].id)
      erased.merge({ phone: null })
      await erased.save()
    })
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    await prepareNow(workspace, id)
    const response = await client.get(`/w/${workspace.slug}/campaigns/${id}/export`).loginAs(owner)
    response.assertStatus(200)
    assert.include(response.header('content-type'), 'text/csv')
    const lines = response.text().trim().split('\n')
    assert.equal(
      lines[0].split(',').slice(0, 6).join(','),
      'contact_id,name,phone,variant,phase,status'
    )
    assert.lengthOf(lines, 4)
    const skipped = lines.find((line) => line.includes(contacts[2].publicId))!
    assert.include(skipped, 'skipped')
    assert.include(skipped, 'no_phone')
    assert.include(
      lines.find((line) => line.includes(contacts[0].publicId))!,
      ',A,all,pending,'
    )
  })

  test('report page, progress, pause and cancel use the dispatch controls', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, template, channel } = await setup(2)
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    await prepareNow(workspace, id)
    const page = await client
      .get(`/w/${workspace.slug}/campaigns/${id}`)
      .loginAs(owner)
      .withInertia()
    page.assertInertiaComponent('campaigns/show')
    assert.equal(page.inertiaProps.report.progress.total, 2)
    assert.equal(page.inertiaProps.report.variants[0].label, 'A')

    const paused = await api(client, 'post', `/w/${workspace.slug}/campaigns/${id}/pause`, owner)
    paused.assertStatus(200)
    assert.equal(paused.body().status, 'paused')
    const progress = await api(
      client,
      'get',
      `/w/${workspace.slug}/campaigns/${id}/progress`,
      owner
    )
    assert.equal(progress.body().status, 'paused')
    const cancelled = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${id}/cancel`,
      owner
    )
    assert.equal(cancelled.body().status, 'cancelled')
    const again = await api(client, 'post', `/w/${workspace.slug}/campaigns/${id}/pause`, owner)
    again.assertStatus(409)
  })

  test('the contact timeline shows campaign sends with delivery, read and reply', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, template, channel, contacts } = await setup(2)
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    await prepareNow(workspace, id)
    const rows = await rowsOf(workspace, id)
    const at = DateTime.utc().minus({ minutes: 5 }).toFormat('yyyy-LL-dd HH:mm:ss')
    await db.from('campaign_recipients').where('id', rows[0].id).update({
      status: 'read',
      sent_at: at,
      delivered_at: at,
      read_at: at,
    })
    const response = await api(
      client,
      'get',
      `/w/${workspace.slug}/contacts/${contacts[0].publicId}/timeline`,
      owner
    )
    response.assertStatus(200)
    const item = response.body().items.find((entry: any) => entry.source === 'campaign')
    assert.equal(item.campaign, id)
    assert.equal(item.name, 'Spring sale')
    assert.isNotNull(item.readAt)
    assert.isNull(item.repliedAt)
    // Not yet sent: nothing on the other contact's timeline.
    const other = await api(
      client,
      'get',
      `/w/${workspace.slug}/contacts/${contacts[1].publicId}/timeline`,
      owner
    )
    assert.isUndefined(other.body().items.find((entry: any) => entry.source === 'campaign'))
  })

  test('an audience larger than one page is frozen completely (1,500 contacts)', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, channel } = await setup(0)
    const utility = await approvedTemplate(workspace, { name: 'order_update', category: 'UTILITY' })
    const stamp = DateTime.utc().toFormat('yyyy-LL-dd HH:mm:ss')
    const rows = Array.from({ length: 1500 }, (_, index) => ({
      workspace_id: workspace.id,
      public_id: `01BULK${String(index).padStart(20, '0')}`,
      phone: `+9198800${String(index).padStart(5, '0')}`,
      source: 'import',
      created_at: stamp,
      updated_at: stamp,
    }))
    for (let start = 0; start < rows.length; start += 250) {
      await db.table('contacts').multiInsert(rows.slice(start, start + 250))
    }
    const id = await draft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: utility.publicId, allContacts: true })
    )
    await prepareNow(workspace, id)
    const campaign = await find(workspace, id)
    assert.equal(campaign.status, 'running')
    assert.equal(campaign.totalCount, 1500)
    const [count] = await db
      .from('campaign_recipients')
      .where('campaign_id', campaign.id)
      .where('status', 'pending')
      .count('* as total')
    assert.equal(Number(count.total), 1500)
  })

  test('calendar shows scheduled campaigns and recurring occurrences; settings need settings.workspace', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, template, channel } = await setup(1)
    const marketer = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    const at = DateTime.utc()
      .plus({ days: 3 })
      .set({ hour: 9, minute: 0, second: 0, millisecond: 0 })
    const once = await draft(
      client,
      workspace,
      owner,
      draftPayload({
        name: 'Once',
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
        schedule: { mode: 'later', sendAt: at.toISO(), timezone: 'UTC' },
      })
    )
    await api(client, 'post', `/w/${workspace.slug}/campaigns/${once}/send`, owner)
    const weekly = await draft(
      client,
      workspace,
      owner,
      draftPayload({
        name: 'Weekly',
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
        schedule: {
          mode: 'later',
          sendAt: at.toISO(),
          timezone: 'UTC',
          recurrence: { freq: 'weekly', interval: 1 },
        },
      })
    )
    await api(client, 'post', `/w/${workspace.slug}/campaigns/${weekly}/send`, owner)

    const month = at.toFormat('yyyy-LL')
    const page = await client
      .get(`/w/${workspace.slug}/campaigns/calendar?month=${month}`)
      .loginAs(owner)
      .withInertia()
    page.assertInertiaComponent('campaigns/calendar')
    const entries = page.inertiaProps.entries as { name: string; at: string; recurring: boolean }[]
    const onceEntry = entries.find((entry) => entry.name === 'Once')!
    assert.equal(onceEntry.at, at.toISO())
    const weeklyDates = entries.filter((entry) => entry.name === 'Weekly').map((entry) => entry.at)
    assert.isAtLeast(weeklyDates.length, 1)
    assert.isTrue(weeklyDates.every((iso) => iso.startsWith(month)))
    assert.isTrue(weeklyDates.every((iso) => DateTime.fromISO(iso).toUTC().weekday === at.weekday))

    const forbidden = await api(
      client,
      'put',
      `/w/${workspace.slug}/campaigns/settings`,
      marketer
    ).json({
      approvalRequired: true,
      frequencyCapHours: 12,
      replyWindowHours: 48,
    })
    forbidden.assertStatus(403)
    const saved = await api(client, 'put', `/w/${workspace.slug}/campaigns/settings`, owner).json({
      approvalRequired: true,
      frequencyCapHours: 12,
      replyWindowHours: 48,
    })
    saved.assertStatus(200)
    assert.deepEqual(saved.body(), {
      approvalRequired: true,
      frequencyCapHours: 12,
      replyWindowHours: 48,
    })
    // New campaigns take the reply window of the settings.
    const next = await draft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    assert.equal((await find(workspace, next)).replyWindowHours, 48)
    const invalid = await api(client, 'put', `/w/${workspace.slug}/campaigns/settings`, owner).json(
      {
        approvalRequired: true,
        frequencyCapHours: -1,
        replyWindowHours: 48,
      }
    )
    invalid.assertStatus(422)
  })
})
