import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import ContactEvent from '#contacts/models/contact_event'
import ContactNote from '#contacts/models/contact_note'
import CustomField from '#contacts/models/custom_field'
import Tag from '#contacts/models/tag'
import ContactBulkAction from '#contacts/models/contact_bulk_action'
import { bulkUpdateContacts } from '#contacts/actions/bulk_update_contacts'
import { eraseContact } from '#contacts/actions/erase_contact'
import { runBulkAction, startBulkAction } from '#contacts/services/bulk_actions'
import Plan from '#core/models/plan'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { recordConsent, statusOf } from '#contacts/services/consent'
import { writeFieldValues } from '#contacts/services/custom_fields'
import { filterDefinition, parseListFilters } from '#contacts/queries/list_contacts'
import { tenancy } from '#core/tenancy/context'
import { drainQueue } from '#tests/helpers/queue'
import { addMember, makeUser, makeWorkspace, unique } from '#tests/helpers/fixtures'

function send(
  client: ApiClient,
  user: User,
  method: 'get' | 'post' | 'put' | 'delete',
  url: string,
  body?: object
) {
  const request = client
    .request(url, method)
    .loginAs(user)
    .withCsrfToken()
    .header('accept', 'application/json')
  return body ? request.json(body) : request
}

function list(
  client: ApiClient,
  user: User,
  workspace: Workspace,
  qs: Record<string, string> = {}
) {
  const search = new URLSearchParams(qs).toString()
  return client
    .get(`/w/${workspace.slug}/contacts${search ? `?${search}` : ''}`)
    .loginAs(user)
    .header('accept', 'application/json')
}

async function frenchWorkspace() {
  const made = await makeWorkspace()
  made.workspace.defaultCountry = 'FR'
  await made.workspace.save()
  return made
}

/** Contacts created directly, with increasing created_at (one minute apart). */
async function seed(workspace: Workspace, rows: Partial<Contact>[]) {
  return tenancy.run(workspace.id, async () => {
    const made: Contact[] = []
    const start = DateTime.utc().minus({ days: 1 }).startOf('minute')
    for (const [index, row] of rows.entries()) {
      made.push(
        await Contact.create({
          source: 'manual',
          createdAt: start.plus({ minutes: index }),
          ...row,
        })
      )
    }
    return made
  })
}

const ids = (body: any) => (body.rows as { id: string }[]).map((row) => row.id)

test.group('Contacts: create', () => {
  test('phone normalised with the default country; duplicates refused clearly', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await frenchWorkspace()
    const created = await send(client, owner, 'post', `/w/${workspace.slug}/contacts`, {
      phone: '06 12 34 56 78',
      name: 'Léa Martin',
      email: 'Lea@Example.test',
    })
    created.assertStatus(201)
    assert.equal(created.body().phone, '+33612345678')
    assert.equal(created.body().country, 'FR')
    assert.equal(created.body().email, 'lea@example.test')
    assert.equal(created.body().source, 'manual')

    const again = await send(client, owner, 'post', `/w/${workspace.slug}/contacts`, {
      phone: '+33 6 12 34 56 78',
    })
    again.assertStatus(422)
    assert.equal(again.body().errors[0].field, 'phone')
    assert.match(again.body().errors[0].message, /already has the number \+33612345678/)

    const invalid = await send(client, owner, 'post', `/w/${workspace.slug}/contacts`, {
      phone: '12',
    })
    invalid.assertStatus(422)
    assert.equal(invalid.body().errors[0].field, 'phone')

    // Another workspace may have the same number.
    const other = await frenchWorkspace()
    const elsewhere = await send(
      client,
      other.owner,
      'post',
      `/w/${other.workspace.slug}/contacts`,
      {
        phone: '0612345678',
      }
    )
    elsewhere.assertStatus(201)

    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const refused = await send(client, agent, 'post', `/w/${workspace.slug}/contacts`, {
      phone: '0612345699',
    })
    refused.assertStatus(403)
  })

  test('the contacts plan quota is enforced', async ({ client, assert }) => {
    const { workspace, owner } = await frenchWorkspace()
    const plan = await Plan.create({
      slug: unique('tiny'),
      name: 'Tiny',
      isTrial: false,
      features: {},
      maxContacts: 2,
    })
    workspace.planId = plan.id
    await workspace.save()
    await seed(workspace, [{ phone: '+33612345601' }])
    const second = await send(client, owner, 'post', `/w/${workspace.slug}/contacts`, {
      phone: '0612345602',
    })
    second.assertStatus(201)
    const third = await send(client, owner, 'post', `/w/${workspace.slug}/contacts`, {
      phone: '0612345603',
    })
    third.assertStatus(403)
    assert.equal(third.body().errors[0].code, 'E_PLAN_LIMIT_REACHED')
    assert.match(third.body().errors[0].message, /allows 2 contacts/)

    // An erased contact (GDPR) no longer uses up the plan.
    const first = await tenancy.run(workspace.id, () =>
      Contact.query().where('phone', '+33612345601').firstOrFail()
    )
    await tenancy.run(workspace.id, () => eraseContact(first, owner.id))
    const afterErasure = await send(client, owner, 'post', `/w/${workspace.slug}/contacts`, {
      phone: '0612345603',
    })
    afterErasure.assertStatus(201)
  })
})

test.group('Contacts: list', () => {
  test('search by name, phone and email; filter by tag and consent; unfiltered page', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await frenchWorkspace()
    const [ana, bob, cy] = await seed(workspace, [
      { name: 'Ana Lopez', phone: '+33612340001', email: 'ana@shop.test' },
      { name: 'Bob Stone', phone: '+33612340002', email: 'bob@mail.test' },
      { name: null, profileName: 'cy', phone: '+447700900123', email: null },
    ])
    const all = await list(client, owner, workspace)
    all.assertStatus(200)
    assert.sameMembers(ids(all.body()), [ana.publicId, bob.publicId, cy.publicId])

    assert.deepEqual(ids((await list(client, owner, workspace, { q: 'lopez' })).body()), [
      ana.publicId,
    ])
    assert.deepEqual(ids((await list(client, owner, workspace, { q: 'mail.test' })).body()), [
      bob.publicId,
    ])
    assert.deepEqual(ids((await list(client, owner, workspace, { q: '7700 900' })).body()), [
      cy.publicId,
    ])

    const vip = await tenancy.run(workspace.id, () =>
      Tag.query().where('name', 'VIP').firstOrFail()
    )
    const tagged = await send(
      client,
      owner,
      'post',
      `/w/${workspace.slug}/contacts/${bob.publicId}/tags`,
      {
        tag: vip.publicId,
      }
    )
    tagged.assertStatus(200)
    assert.deepEqual(ids((await list(client, owner, workspace, { tag: vip.publicId })).body()), [
      bob.publicId,
    ])

    await tenancy.run(workspace.id, () =>
      recordConsent({ contactId: cy.id, event: 'opt_in', scope: 'marketing', source: 'form' })
    )
    assert.deepEqual(
      ids((await list(client, owner, workspace, { consent: 'marketing:opted_in' })).body()),
      [cy.publicId]
    )

    const page = await client
      .get(`/w/${workspace.slug}/contacts?q=lopez`)
      .loginAs(owner)
      .withInertia()
    page.assertInertiaComponent('contacts/index')
    const props = page.inertiaProps as any
    assert.deepEqual(props.total, { count: 1, capped: false })
    assert.deepEqual(props.filterDefinition, filterDefinition({ q: 'lopez' }))
    assert.equal(props.filterDefinition.conditions[0].match, 'any')
  })

  test('sort by name (unnamed last), created and messages in; keyset pages never skip or repeat', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await frenchWorkspace()
    const rows = Array.from({ length: 13 }, (_, index) => ({
      name: index % 4 === 3 ? null : `Person ${String.fromCharCode(77 - index)}`,
      phone: `+336123450${String(index).padStart(2, '0')}`,
      messagesIn: index % 3,
      lastInboundAt: index % 2 ? DateTime.utc().minus({ hours: index }) : null,
    }))
    const made = await seed(workspace, rows)

    const walk = async (qs: Record<string, string>) => {
      const seen: string[] = []
      let cursor: string | null = null
      for (let guard = 0; guard < 20; guard++) {
        const response = await list(client, owner, workspace, {
          ...qs,
          limit: '4',
          ...(cursor ? { cursor } : {}),
        })
        response.assertStatus(200)
        seen.push(...ids(response.body()))
        cursor = response.body().nextCursor
        if (!cursor) break
      }
      return seen
    }

    const byName = await walk({ sort: 'name', dir: 'asc' })
    const named = made
      .filter((contact) => contact.name)
      .sort((a, b) => a.name!.localeCompare(b.name!))
    const unnamed = made.filter((contact) => !contact.name).sort((a, b) => a.id - b.id)
    assert.deepEqual(
      byName,
      [...named, ...unnamed].map((contact) => contact.publicId)
    )

    const newest = await walk({ sort: 'created', dir: 'desc' })
    assert.deepEqual(
      newest,
      [...made].reverse().map((contact) => contact.publicId)
    )

    const busiest = await walk({ sort: 'messages_in', dir: 'desc' })
    const expected = [...made]
      .sort((a, b) => b.messagesIn - a.messagesIn || b.id - a.id)
      .map((contact) => contact.publicId)
    assert.deepEqual(busiest, expected)

    const inbound = await walk({ sort: 'last_inbound', dir: 'desc' })
    assert.lengthOf(inbound, 13)
    assert.lengthOf(new Set(inbound), 13)
    const withInbound = made.filter((contact) => contact.lastInboundAt)
    assert.deepEqual(
      inbound.slice(0, withInbound.length),
      [...withInbound]
        .sort((a, b) => b.lastInboundAt!.toMillis() - a.lastInboundAt!.toMillis())
        .map((contact) => contact.publicId)
    )
  })
})

test.group('Contacts: bulk actions', () => {
  test('tag, untag, set field, opt out and delete on a selection', async ({ client, assert }) => {
    const { workspace, owner } = await frenchWorkspace()
    const [a, b, c] = await seed(workspace, [
      { name: 'A', phone: '+33612349001' },
      { name: 'B', phone: '+33612349002' },
      { name: 'C', phone: '+33612349003' },
    ])
    const { tag, field } = await tenancy.run(workspace.id, async () => ({
      tag: await Tag.query().where('name', 'Lead').firstOrFail(),
      field: await CustomField.create({
        key: 'tier',
        label: 'Tier',
        type: 'dropdown',
        options: ['Gold', 'Silver'],
        required: false,
        position: 0,
      }),
    }))
    const bulk = (body: object) =>
      send(client, owner, 'post', `/w/${workspace.slug}/contacts/bulk`, body)
    const pivots = () =>
      db.from('contact_tags').where('workspace_id', workspace.id).where('tag_id', tag.id)

    const tagged = await bulk({ action: 'tag', ids: [a.publicId, b.publicId], tag: tag.publicId })
    tagged.assertStatus(200)
    assert.equal(tagged.body().affected, 2)
    const again = await bulk({
      action: 'tag',
      ids: [a.publicId, b.publicId, c.publicId],
      tag: 'lead',
    })
    assert.equal(again.body().affected, 1, 'existing pairs are not duplicated')
    assert.lengthOf(await pivots(), 3)
    const untagged = await bulk({ action: 'untag', ids: [a.publicId], tag: tag.publicId })
    assert.equal(untagged.body().affected, 1)
    assert.lengthOf(await pivots(), 2)

    const badValue = await bulk({
      action: 'set_field',
      ids: [a.publicId],
      field: 'tier',
      value: 'Bronze',
    })
    badValue.assertStatus(422)
    assert.match(badValue.body().errors[0].message, /one of/)
    const set = await bulk({
      action: 'set_field',
      ids: [a.publicId, c.publicId],
      field: 'tier',
      value: 'gold',
    })
    set.assertStatus(200)
    assert.equal(set.body().affected, 2)
    const values = await db
      .from('contact_field_values')
      .where('workspace_id', workspace.id)
      .where('field_id', field.id)
      .orderBy('contact_id')
    assert.deepEqual(
      values.map((row) => [Number(row.contact_id), row.value_text]),
      [
        [a.id, 'Gold'],
        [c.id, 'Gold'],
      ]
    )
    const events = await tenancy.run(workspace.id, () =>
      ContactEvent.query().where('kind', 'field_changed').where('name', 'tier')
    )
    assert.lengthOf(events, 2)
    assert.deepEqual(events[0].data, { from: null, to: 'Gold' })
    assert.equal(events[0].actorId, owner.id)

    await tenancy.run(workspace.id, () =>
      recordConsent({ contactId: b.id, event: 'opt_in', scope: 'marketing', source: 'form' })
    )
    const optOut = await bulk({ action: 'opt_out', ids: [b.publicId, c.publicId] })
    optOut.assertStatus(200)
    assert.equal(optOut.body().affected, 2)
    const status = await tenancy.run(workspace.id, () => statusOf(b.id, 'marketing'))
    assert.equal(status.state, 'opted_out')
    assert.equal(status.source, 'agent')
    // Already opted out: nothing is appended twice.
    const optOutAgain = await bulk({ action: 'opt_out', ids: [b.publicId, c.publicId] })
    assert.equal(optOutAgain.body().affected, 0)
    const agentOptOuts = await db
      .from('consent_events')
      .where('workspace_id', workspace.id)
      .where('source', 'agent')
      .count('* as n')
    assert.equal(Number(agentOptOuts[0].n), 2)

    const foreign = (await frenchWorkspace()).workspace
    const [stranger] = await seed(foreign, [{ name: 'Z', phone: '+33612349009' }])
    const deleted = await bulk({ action: 'delete', ids: [a.publicId, stranger.publicId] })
    deleted.assertStatus(200)
    assert.equal(deleted.body().affected, 1, 'another workspace’s contact is ignored')
    const left = await tenancy.run(workspace.id, () => Contact.query().orderBy('id'))
    assert.deepEqual(
      left.map((contact) => contact.id),
      [b.id, c.id]
    )
    assert.isNotNull(await tenancy.run(foreign.id, () => Contact.find(stranger.id)))
  })

  test('"all matching" runs by the list filters as a background job with progress', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await frenchWorkspace()
    const made = await seed(workspace, [
      { name: 'Shop One', phone: '+33612348001' },
      { name: 'Shop Two', phone: '+33612348002' },
      { name: 'Other', phone: '+33612348003' },
    ])
    const tag = await tenancy.run(workspace.id, () =>
      Tag.query().where('name', 'VIP').firstOrFail()
    )
    const url = `/w/${workspace.slug}/contacts/bulk`

    // Bad input is refused in the request: nothing is queued.
    const unknown = await send(client, owner, 'post', url, {
      action: 'tag',
      all: true,
      filters: { q: 'shop' },
      tag: 'NOPE00000000000000000000000',
    })
    unknown.assertStatus(422)
    assert.equal(unknown.body().errors[0].field, 'tag')
    assert.lengthOf(await tenancy.run(workspace.id, () => ContactBulkAction.all()), 0)

    const tagged = await send(client, owner, 'post', url, {
      action: 'tag',
      all: true,
      filters: { q: 'shop' },
      tag: tag.publicId,
    })
    tagged.assertStatus(202)
    assert.include(tagged.body().bulk, { action: 'tag', status: 'queued', total: 2, processed: 0 })
    const id = tagged.body().bulk.id
    await drainQueue()
    const done = await send(client, owner, 'get', `${url}/${id}`)
    done.assertStatus(200)
    assert.include(done.body(), { status: 'completed', total: 2, affected: 2, failure: null })
    const taggedIds = await db
      .from('contact_tags')
      .where('workspace_id', workspace.id)
      .where('tag_id', tag.id)
      .orderBy('contact_id')
      .select('contact_id')
    assert.deepEqual(
      taggedIds.map((row) => Number(row.contact_id)),
      [made[0].id, made[1].id]
    )
    // The list shows it (finished in the last hour).
    const page = await client.get(`/w/${workspace.slug}/contacts`).loginAs(owner).withInertia()
    const shown = (page.inertiaProps as { bulkActions: { id: string; status: string }[] })
      .bulkActions
    assert.deepEqual(
      shown.map((row: { id: string; status: string }) => [row.id, row.status]),
      [[id, 'completed']]
    )

    const deleted = await send(client, owner, 'post', url, {
      action: 'delete',
      all: true,
      filters: { tag: tag.publicId },
    })
    deleted.assertStatus(202)
    await drainQueue()
    const gone = await send(client, owner, 'get', `${url}/${deleted.body().bulk.id}`)
    assert.include(gone.body(), { status: 'completed', affected: 2 })
    const left = await tenancy.run(workspace.id, () => Contact.query())
    assert.deepEqual(
      left.map((contact) => contact.id),
      [made[2].id]
    )
  })

  test('a bulk job on 1,200 contacts reports progress in steps and can run again safely', async ({
    assert,
  }) => {
    const { workspace, owner } = await frenchWorkspace()
    const now = DateTime.utc().toFormat('yyyy-LL-dd HH:mm:ss')
    const rows = Array.from({ length: 1200 }, (_, index) => ({
      workspace_id: workspace.id,
      public_id: `01BQKK${String(index).padStart(20, '0')}`,
      phone: `+336129${String(index).padStart(5, '0')}`,
      name: `Bulk ${index}`,
      source: 'manual',
      created_at: now,
      updated_at: now,
    }))
    for (let start = 0; start < rows.length; start += 300) {
      await db.table('contacts').multiInsert(rows.slice(start, start + 300))
    }
    const steps: [number, number][] = []
    await tenancy.run(workspace.id, async () => {
      const tag = await Tag.query().where('name', 'VIP').firstOrFail()
      const definition = filterDefinition(await parseListFilters({ q: 'bulk' }))
      const row = await startBulkAction({ action: 'tag', definition, tag: tag.publicId }, owner.id)
      assert.equal(row.total, 1200)
      const result = await bulkUpdateContacts(
        { action: 'tag', target: { definition }, tag: tag.publicId },
        owner.id,
        async (processed, affected) => {
          steps.push([processed, affected])
        }
      )
      assert.equal(result.affected, 1200)
      // A second run (a worker died and the job ran again) adds nothing twice.
      await runBulkAction(row.id)
      await row.refresh()
      assert.equal(row.status, 'completed')
      assert.equal(row.affected, 0)
      const [count] = await db
        .from('contact_tags')
        .where('workspace_id', workspace.id)
        .where('tag_id', tag.id)
        .count('* as n')
      assert.equal(Number(count.n), 1200)
    })
    assert.deepEqual(
      steps.map(([processed]) => processed),
      [500, 1000, 1200]
    )
    assert.deepEqual(steps.at(-1), [1200, 1200])
  })
})

test.group('Contacts: page, notes, timeline, field changes', () => {
  test('notes: add, edit and delete own; another member cannot touch them', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await frenchWorkspace()
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const [contact] = await seed(workspace, [{ name: 'N', phone: '+33612347001' }])
    const base = `/w/${workspace.slug}/contacts/${contact.publicId}/notes`
    const added = await send(client, agent, 'post', base, { body: 'Prefers evenings' })
    added.assertStatus(201)
    const id = added.body().id
    const empty = await send(client, agent, 'post', base, { body: '  ' })
    empty.assertStatus(422)
    const byOther = await send(client, owner, 'put', `${base}/${id}`, { body: 'Hijacked' })
    byOther.assertStatus(403)
    const edited = await send(client, agent, 'put', `${base}/${id}`, { body: 'Prefers mornings' })
    edited.assertStatus(200)
    const note = await tenancy.run(workspace.id, () => ContactNote.findByOrFail('public_id', id))
    assert.equal(note.body, 'Prefers mornings')
    const delByOther = await send(client, owner, 'delete', `${base}/${id}`)
    delByOther.assertStatus(403)
    const deleted = await send(client, agent, 'delete', `${base}/${id}`)
    deleted.assertStatus(204)
    assert.isNull(await tenancy.run(workspace.id, () => ContactNote.findBy('public_id', id)))
  })

  test('timeline merges notes, consent and events newest first, paged by cursor', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await frenchWorkspace()
    const [contact] = await seed(workspace, [{ name: 'T', phone: '+33612346001' }])
    const base = DateTime.utc().minus({ hours: 5 }).startOf('second')
    await tenancy.run(workspace.id, async () => {
      await ContactNote.create({
        contactId: contact.id,
        authorId: owner.id,
        body: 'first note',
        createdAt: base.plus({ minutes: 1 }),
      })
      await recordConsent({
        contactId: contact.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'form',
        occurredAt: base.plus({ minutes: 2 }),
      })
      await ContactEvent.create({
        contactId: contact.id,
        kind: 'field_changed',
        name: 'name',
        data: { from: null, to: 'T' },
        actorId: owner.id,
        occurredAt: base.plus({ minutes: 3 }),
      })
      await ContactNote.create({
        contactId: contact.id,
        authorId: owner.id,
        body: 'second note',
        createdAt: base.plus({ minutes: 4 }),
      })
      // Same second as the second note: the event ranks first.
      await ContactEvent.create({
        contactId: contact.id,
        kind: 'custom',
        name: 'visited',
        data: {},
        actorId: null,
        occurredAt: base.plus({ minutes: 4 }),
      })
    })
    const url = `/w/${workspace.slug}/contacts/${contact.publicId}/timeline`
    const first = await client
      .get(`${url}?limit=2`)
      .loginAs(owner)
      .header('accept', 'application/json')
    first.assertStatus(200)
    const second = await client
      .get(`${url}?limit=2&cursor=${first.body().nextCursor}`)
      .loginAs(owner)
      .header('accept', 'application/json')
    const third = await client
      .get(`${url}?limit=2&cursor=${second.body().nextCursor}`)
      .loginAs(owner)
      .header('accept', 'application/json')
    assert.isNull(third.body().nextCursor)
    const order = [...first.body().items, ...second.body().items, ...third.body().items].map(
      (item: any) =>
        item.source === 'note' ? item.body : item.source === 'event' ? item.name : item.event
    )
    assert.deepEqual(order, ['visited', 'second note', 'name', 'opt_in', 'first note'])
  })

  test('profile edits record field_changed events with from, to and actor', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await frenchWorkspace()
    const [contact] = await seed(workspace, [{ name: 'Old', phone: '+33612345501' }])
    await seed(workspace, [{ name: 'Taken', phone: '+33612345502' }])
    await tenancy.run(workspace.id, async () => {
      const field = await CustomField.create({
        key: 'score',
        label: 'Score',
        type: 'number',
        options: [],
        required: false,
        position: 0,
      })
      await writeFieldValues([{ contactId: contact.id, field, value: 1 }])
    })
    const url = `/w/${workspace.slug}/contacts/${contact.publicId}`
    const taken = await send(client, owner, 'put', url, { phone: '06 12 34 55 02' })
    taken.assertStatus(422)
    assert.equal(taken.body().errors[0].field, 'phone')

    const saved = await send(client, owner, 'put', url, {
      name: 'New',
      country: 'fr',
      fields: { score: '2' },
      email: null,
    })
    saved.assertStatus(200)
    assert.equal(saved.body().changes, 3)
    const events = await tenancy.run(workspace.id, () =>
      ContactEvent.query()
        .where('contact_id', contact.id)
        .where('kind', 'field_changed')
        .orderBy('name')
    )
    assert.deepEqual(
      events.map((event) => [event.name, event.data, event.actorId]),
      [
        ['country', { from: null, to: 'FR' }, owner.id],
        ['name', { from: 'Old', to: 'New' }, owner.id],
        ['score', { from: 1, to: 2 }, owner.id],
      ]
    )
    const unchanged = await send(client, owner, 'put', url, { name: 'New' })
    assert.equal(unchanged.body().changes, 0)

    const page = await client.get(url).loginAs(owner).withInertia()
    page.assertInertiaComponent('contacts/show')
    const props = page.inertiaProps as any
    assert.equal(props.contact.name, 'New')
    assert.deepEqual(
      props.consent.map((row: any) => [row.scope, row.state]),
      [
        ['marketing', 'none'],
        ['utility', 'none'],
      ]
    )
    const optIn = await send(client, owner, 'post', `${url}/consent`, {
      scope: 'marketing',
      event: 'opt_in',
    })
    optIn.assertStatus(200)
    assert.equal(optIn.body().state, 'opted_in')
    assert.equal(optIn.body().source, 'agent')

    const removed = await send(client, owner, 'delete', url)
    removed.assertStatus(204)
    assert.isNull(await tenancy.run(workspace.id, () => Contact.find(contact.id)))
  })
})
