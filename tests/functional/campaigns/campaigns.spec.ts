import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { recordConsent } from '#contacts/services/consent'
import Campaign from '#campaigns/models/campaign'
import CampaignRecipient from '#campaigns/models/campaign_recipient'
import { prepareCampaign } from '#campaigns/actions/prepare_campaign'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { approvedTemplate, channelOf, draftPayload, seedContacts, segmentOf } from './fixtures.js'

function api(client: any, method: 'get' | 'post' | 'put' | 'delete', url: string, user: User) {
  return client[method](url).loginAs(user).withCsrfToken().header('accept', 'application/json')
}

async function createDraft(
  client: any,
  workspace: Workspace,
  user: User,
  payload: Record<string, unknown>
): Promise<string> {
  const response = await api(client, 'post', `/w/${workspace.slug}/campaigns`, user).json(payload)
  response.assertStatus(201)
  return response.body().id
}

async function campaignOf(workspace: Workspace, publicId: string) {
  return tenancy.run(workspace.id, () => Campaign.findByOrFail('public_id', publicId))
}

async function recipientsOf(workspace: Workspace, publicId: string) {
  return tenancy.run(workspace.id, async () => {
    const campaign = await Campaign.findByOrFail('public_id', publicId)
    return CampaignRecipient.query().where('campaign_id', campaign.id).orderBy('contact_id')
  })
}

/** Moves a draft to preparing and freezes its audience now (no queue). */
async function prepareNow(workspace: Workspace, publicId: string, now = DateTime.utc()) {
  await tenancy.run(workspace.id, async () => {
    const campaign = await Campaign.findByOrFail('public_id', publicId)
    campaign.status = 'preparing'
    await campaign.save()
    await prepareCampaign(campaign.id, { now })
  })
}

test.group('Campaigns: drafts and validation', () => {
  test('create, read, update and delete a draft; list renders', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const template = await approvedTemplate(workspace)
    const channel = await channelOf(workspace)
    const id = await createDraft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    const campaign = await campaignOf(workspace, id)
    assert.equal(campaign.status, 'draft')
    assert.isTrue(campaign.audience.include.allContacts)

    const updated = await api(client, 'put', `/w/${workspace.slug}/campaigns/${id}`, owner).json(
      draftPayload({
        name: 'Renamed',
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
      })
    )
    updated.assertStatus(200)
    assert.equal(updated.body().name, 'Renamed')
    assert.equal(updated.body().variants[0].template, template.publicId)
    assert.equal(updated.body().variants[0].variables['body.1'].fallback, 'friend')

    const list = await client.get(`/w/${workspace.slug}/campaigns`).loginAs(owner).withInertia()
    list.assertStatus(200)
    list.assertInertiaComponent('campaigns/index')
    assert.equal(list.inertiaProps.campaigns[0].name, 'Renamed')

    const edit = await client
      .get(`/w/${workspace.slug}/campaigns/${id}/edit`)
      .loginAs(owner)
      .withInertia()
    edit.assertInertiaComponent('campaigns/edit')
    assert.equal(edit.inertiaProps.catalog.templates[0].id, template.publicId)

    const removed = await api(client, 'delete', `/w/${workspace.slug}/campaigns/${id}`, owner)
    removed.assertStatus(204)
    const gone = await tenancy.run(workspace.id, () => Campaign.findBy('public_id', id))
    assert.isNull(gone)
  })

  test('validation messages: split sum, 90-day limit, past time, unapproved template', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const template = await approvedTemplate(workspace)
    const pending = await approvedTemplate(workspace, { status: 'PENDING' })
    const channel = await channelOf(workspace)
    const url = `/w/${workspace.slug}/campaigns`

    const split = await api(client, 'post', url, owner).json(
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        variants: [
          { template: template.publicId, splitPercent: 60 },
          { template: template.publicId, splitPercent: 30 },
        ],
      })
    )
    split.assertStatus(422)
    const splitError = split.body().errors.find((error: any) => error.field === 'variants')
    assert.include(splitError.message, '90')

    const far = await api(client, 'post', url, owner).json(
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        schedule: {
          mode: 'later',
          sendAt: DateTime.utc().plus({ days: 91 }).toISO(),
          timezone: 'UTC',
        },
      })
    )
    far.assertStatus(422)
    assert.equal(far.body().errors[0].field, 'schedule.sendAt')
    assert.include(far.body().errors[0].message, '90')

    const past = await api(client, 'post', url, owner).json(
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        schedule: {
          mode: 'later',
          sendAt: DateTime.utc().minus({ hours: 1 }).toISO(),
          timezone: 'UTC',
        },
      })
    )
    past.assertStatus(422)
    assert.equal(past.body().errors[0].rule, 'send_at_past')

    const within = await api(client, 'post', url, owner).json(
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        schedule: {
          mode: 'later',
          sendAt: DateTime.utc().plus({ days: 89 }).toISO(),
          timezone: 'UTC',
        },
      })
    )
    within.assertStatus(201)

    const unapproved = await api(client, 'post', url, owner).json(
      draftPayload({ channel: channel.publicId, template: pending.publicId })
    )
    unapproved.assertStatus(422)
    assert.equal(unapproved.body().errors[0].field, 'variants.0.template')
    assert.equal(unapproved.body().errors[0].rule, 'template_not_approved')

    const nameless = await api(client, 'post', url, owner).json({ name: '' })
    nameless.assertStatus(422)
    assert.equal(nameless.body().errors[0].field, 'name')
  })

  test('permissions: an agent gets 403, marketing can create', async ({ client, assert }) => {
    const { workspace } = await makeWorkspace()
    const agent = await makeUser()
    const marketer = await makeUser()
    await addMember(workspace, agent, 'agent')
    await addMember(workspace, marketer, 'marketing')
    const template = await approvedTemplate(workspace)
    const channel = await channelOf(workspace)
    const payload = draftPayload({
      channel: channel.publicId,
      template: template.publicId,
      allContacts: true,
    })

    const list = await api(client, 'get', `/w/${workspace.slug}/campaigns`, agent)
    list.assertStatus(403)
    const store = await api(client, 'post', `/w/${workspace.slug}/campaigns`, agent).json(payload)
    store.assertStatus(403)

    const created = await api(client, 'post', `/w/${workspace.slug}/campaigns`, marketer).json(
      payload
    )
    created.assertStatus(201)
    const count = await tenancy.run(workspace.id, () => Campaign.query().count('* as total'))
    assert.equal(Number(count[0].$extras.total), 1)
  })
})

test.group('Campaigns: audience', () => {
  test('segments, tags, exclusions and duplicates; consent for marketing vs utility', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const marketing = await approvedTemplate(workspace)
    const utility = await approvedTemplate(workspace, { category: 'UTILITY' })
    const channel = await channelOf(workspace)
    // 6 VIPs (4 opted in), 4 Newsletter (all opted in), 2 of them also VIP.
    const vip = await seedContacts(workspace, 6, { optIn: 4, tag: 'Gold', prefix: '98701' })
    const news = await seedContacts(workspace, 2, { optIn: 2, tag: 'Letter', prefix: '98702' })
    await tenancy.run(workspace.id, async () => {
      const { default: ContactTag } = await import('#contacts/models/contact_tag')
      for (const contact of vip.contacts.slice(0, 2)) {
        await ContactTag.create({ contactId: contact.id, tagId: news.tag!.id })
      }
    })
    const blocked = await seedContacts(workspace, 1, { tag: 'Banned', prefix: '98703' })
    await tenancy.run(workspace.id, async () => {
      const { default: ContactTag } = await import('#contacts/models/contact_tag')
      await ContactTag.create({ contactId: vip.contacts[0].id, tagId: blocked.tag!.id })
      // An erased VIP and a VIP without any phone.
      const erased = vip.contacts[5]
      erased.merge({ erasedAt: DateTime.utc(), phone: null, name: null })
      await erased.save()
      const phoneless = vip.contacts[4]
      phoneless.phone = null
      await phoneless.save()
    })
    const segment = await segmentOf(workspace, 'Gold members', 'Gold')

    const id = await createDraft(
      client,
      workspace,
      owner,
      draftPayload({
        channel: channel.publicId,
        template: marketing.publicId,
        segments: [segment.publicId],
        tags: [news.tag!.publicId],
        excludeTags: [blocked.tag!.publicId],
      })
    )
    const breakdown = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${id}/audience`,
      owner
    )
    breakdown.assertStatus(200)
    const body = breakdown.body()
    // Segment: 5 live VIPs (the erased one never matches a segment); tag News: 2 + 2 VIPs.
    assert.equal(body.duplicates, 2)
    assert.equal(body.excluded, 1)
    // Matched: VIP 1..4 (0 excluded) + news 2 = 6; no phone 1 (VIP 4), no consent VIP 4? opted in
    // only 0..3, so VIP 4 is phoneless (checked first) and no consent applies to none else.
    assert.equal(body.matched, 6)
    assert.equal(body.skipped.no_phone, 1)
    assert.equal(body.skipped.no_consent, 0)
    assert.equal(body.sendable, 5)
    assert.lengthOf(body.sample, 5)
    assert.equal(body.category, 'MARKETING')

    // Everybody, marketing: opt-outs and contacts without opt-in are skipped with reasons.
    await api(client, 'put', `/w/${workspace.slug}/campaigns/${id}`, owner).json(
      draftPayload({ channel: channel.publicId, template: marketing.publicId, allContacts: true })
    )
    await tenancy.run(workspace.id, () =>
      recordConsent({
        contactId: news.contacts[0].id,
        event: 'opt_out',
        scope: 'marketing',
        source: 'agent',
      })
    )
    await prepareNow(workspace, id)
    const rows = await recipientsOf(workspace, id)
    assert.lengthOf(rows, 9)
    const reasons = Object.fromEntries(rows.map((row) => [row.contactId, row.errorReason]))
    assert.equal(reasons[vip.contacts[5].id], 'erased')
    assert.equal(reasons[vip.contacts[4].id], 'no_phone')
    assert.equal(reasons[news.contacts[0].id], 'no_consent')
    assert.equal(reasons[blocked.contacts[0].id], null)
    const pending = rows.filter((row) => row.status === 'pending')
    assert.lengthOf(pending, 6)
    assert.isTrue(rows.filter((row) => row.status === 'skipped').every((row) => !row.variantId))
    const campaign = await campaignOf(workspace, id)
    assert.equal(campaign.status, 'running')
    assert.equal(campaign.totalCount, 9)
    assert.equal(campaign.skippedCount, 3)
    assert.isNotNull(campaign.startedAt)

    // Utility: no opt-in needed, only an explicit utility opt-out stops it.
    await tenancy.run(workspace.id, () =>
      recordConsent({
        contactId: vip.contacts[1].id,
        event: 'opt_out',
        scope: 'utility',
        source: 'agent',
      })
    )
    const utilityId = await createDraft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: utility.publicId, allContacts: true })
    )
    await prepareNow(workspace, utilityId)
    const utilityRows = await recipientsOf(workspace, utilityId)
    const skippedConsent = utilityRows.filter((row) => row.errorReason === 'no_consent')
    assert.deepEqual(
      skippedConsent.map((row) => row.contactId),
      [vip.contacts[1].id]
    )
    // The marketing opt-out of news[0] and the missing opt-ins do not matter for utility.
    assert.equal(utilityRows.filter((row) => row.status === 'pending').length, 6)
  })

  test('frequency cap: a marketing send within the cap hours skips the contact', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const template = await approvedTemplate(workspace)
    const channel = await channelOf(workspace)
    const { contacts } = await seedContacts(workspace, 3, { prefix: '98704' })
    const first = await createDraft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    await prepareNow(workspace, first)
    // The first campaign reached contact 0 two hours ago, contact 1 thirty hours ago.
    await tenancy.run(workspace.id, async () => {
      const campaign = await Campaign.findByOrFail('public_id', first)
      const stamp = (hours: number) =>
        DateTime.utc().minus({ hours }).toFormat('yyyy-LL-dd HH:mm:ss')
      await db
        .from('campaign_recipients')
        .where('campaign_id', campaign.id)
        .where('contact_id', contacts[0].id)
        .update({ status: 'sent', sent_at: stamp(2) })
      await db
        .from('campaign_recipients')
        .where('campaign_id', campaign.id)
        .where('contact_id', contacts[1].id)
        .update({ status: 'sent', sent_at: stamp(30) })
    })

    const second = await createDraft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    const preview = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${second}/audience`,
      owner
    )
    assert.equal(preview.body().skipped.frequency_cap, 1)
    assert.equal(preview.body().sendable, 2)
    await prepareNow(workspace, second)
    const rows = await recipientsOf(workspace, second)
    const capped = rows.filter((row) => row.errorReason === 'frequency_cap')
    assert.deepEqual(
      capped.map((row) => row.contactId),
      [contacts[0].id]
    )

    // A campaign with the cap off (0) reaches everyone.
    const third = await createDraft(
      client,
      workspace,
      owner,
      draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
        frequencyCapHours: 0,
      })
    )
    await prepareNow(workspace, third)
    assert.equal(
      (await recipientsOf(workspace, third)).filter((r) => r.status === 'pending').length,
      3
    )
  })

  test('an uploaded list: normalised, matched, created within the quota, invalid rows reported', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await db.from('workspaces').where('id', workspace.id).update({ default_country: 'IN' })
    const template = await approvedTemplate(workspace)
    const channel = await channelOf(workspace)
    const { contacts } = await seedContacts(workspace, 1, { prefix: '98705' })
    const id = await createDraft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId })
    )
    const response = await api(
      client,
      'post',
      `/w/${workspace.slug}/campaigns/${id}/list`,
      owner
    ).json({
      numbers: `${contacts[0].phone}\n98705 00000\n+91 98706 00001\nnot a number\n98706 00002\n12`,
    })
    response.assertStatus(200)
    const result = response.body()
    assert.equal(result.rows, 6)
    assert.equal(result.matched, 1)
    assert.equal(result.duplicates, 1)
    assert.equal(result.created, 2)
    assert.equal(result.listSize, 3)
    assert.equal(result.invalidCount, 2)
    assert.deepEqual(
      result.invalid.map((row: any) => row.line),
      [4, 6]
    )
    const created = await tenancy.run(workspace.id, () =>
      Contact.query().where('phone', '+919870600001').firstOrFail()
    )
    assert.equal(created.source, 'campaign_list')
    const campaign = await campaignOf(workspace, id)
    assert.isTrue(campaign.audience.include.list)

    const csv = await client
      .post(`/w/${workspace.slug}/campaigns/${id}/list`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .file('file', Buffer.from('name,phone\nAsha,+919870600001\nBad,abc\n'), {
        filename: 'list.csv',
      })
    csv.assertStatus(200)
    assert.equal(csv.body().listSize, 1)
    assert.equal(csv.body().invalid[0].line, 3)
  })
})

test.group('Campaigns: content preview', () => {
  test('per-contact preview resolves variables, fallbacks fill empty values', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const template = await approvedTemplate(workspace)
    const channel = await channelOf(workspace)
    const { contacts } = await seedContacts(workspace, 2, { prefix: '98707' })
    await tenancy.run(workspace.id, async () => {
      contacts[0].name = 'Asha Rao'
      await contacts[0].save()
      contacts[1].name = null
      await contacts[1].save()
    })
    const id = await createDraft(
      client,
      workspace,
      owner,
      draftPayload({ channel: channel.publicId, template: template.publicId, allContacts: true })
    )
    const url = `/w/${workspace.slug}/campaigns/${id}/preview`
    const named = await api(client, 'post', url, owner).json({ contact: contacts[0].publicId })
    named.assertStatus(200)
    assert.equal(named.body().values['body.1'], 'Asha')
    assert.equal(named.body().text.body, 'Hello Asha, our sale starts today!')
    assert.deepEqual(named.body().missing, [])

    const fallback = await api(client, 'post', url, owner).json({ contact: contacts[1].publicId })
    assert.equal(fallback.body().values['body.1'], 'friend')

    // Without a fallback, the missing variable is reported.
    await api(client, 'put', `/w/${workspace.slug}/campaigns/${id}`, owner).json({
      ...draftPayload({
        channel: channel.publicId,
        template: template.publicId,
        allContacts: true,
      }),
      variants: [
        {
          template: template.publicId,
          splitPercent: 100,
          variables: { 'body.1': { source: 'field', key: 'first_name' } },
        },
      ],
    })
    const missing = await api(client, 'post', url, owner).json({ contact: contacts[1].publicId })
    assert.deepEqual(missing.body().missing, ['body.1'])
  })
})
