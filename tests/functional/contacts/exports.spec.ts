import { test } from '@japa/runner'
import { sqlDateTime } from '#core/helpers/sql_time'
import { PassThrough } from 'node:stream'
import { DateTime } from 'luxon'
import { parse } from 'csv-parse/sync'
import drive from '@adonisjs/drive/services/main'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import ContactExport from '#contacts/models/contact_export'
import ContactTag from '#contacts/models/contact_tag'
import CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import AuditLog from '#core/models/audit_log'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { recordConsent } from '#contacts/services/consent'
import { writeFieldValues } from '#contacts/services/custom_fields'
import { STANDARD_COLUMNS, writeContactsCsv } from '#contacts/services/export_csv'
import { purgeExpiredExports } from '#contacts/jobs/purge_expired_exports'
import type { SegmentGroup } from '#contacts/segments/types'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'

/**
 * Four contacts: Alice (tag Loyal, plan gold, score 5, marketing opt-in),
 * Bob (plan silver, opted out), Carol (erased), Dave (nothing).
 */
async function seed(workspace: Workspace) {
  return tenancy.run(workspace.id, async () => {
    const plan = await CustomField.create({
      key: 'plan',
      label: 'Plan',
      type: 'dropdown',
      options: ['gold', 'silver'],
      required: false,
      position: 0,
    })
    const score = await CustomField.create({
      key: 'score',
      label: 'Score',
      type: 'number',
      options: [],
      required: false,
      position: 1,
    })
    const alice = await Contact.create({
      phone: '+14155550101',
      name: 'Alice Example',
      email: 'alice@example.test',
      country: 'US',
      source: 'manual',
      messagesIn: 3,
      messagesOut: 2,
    })
    const bob = await Contact.create({
      phone: '+14155550102',
      name: 'Bob Example',
      source: 'import',
    })
    const carol = await Contact.create({
      phone: null,
      name: null,
      source: 'manual',
      erasedAt: DateTime.utc(),
    })
    const dave = await Contact.create({ phone: '+14155550104', name: 'Dave', source: 'manual' })
    const vip = await Tag.create({ name: 'Loyal', color: 'red', isPredefined: false })
    await ContactTag.create({ contactId: alice.id, tagId: vip.id })
    await writeFieldValues([
      { contactId: alice.id, field: plan, value: 'gold' },
      { contactId: alice.id, field: score, value: 5 },
      { contactId: bob.id, field: plan, value: 'silver' },
    ])
    await recordConsent({
      contactId: alice.id,
      event: 'opt_in',
      scope: 'marketing',
      source: 'form',
    })
    await recordConsent({
      contactId: bob.id,
      event: 'opt_out',
      scope: 'marketing',
      source: 'keyword',
    })
    return { alice, bob, carol, dave }
  })
}

/** Loyal ones or anyone named Bob. */
const DEFINITION: SegmentGroup = {
  type: 'group',
  match: 'any',
  conditions: [
    { type: 'tag', op: 'has', tag: 'Loyal' },
    { type: 'field', field: 'name', op: 'contains', value: 'bob' },
  ],
}

async function startExport(client: any, workspace: Workspace, user: User, body: object) {
  const response = await client
    .post(`/w/${workspace.slug}/contacts/exports`)
    .loginAs(user)
    .withCsrfToken()
    .header('accept', 'application/json')
    .json(body)
  response.assertStatus(201)
  return response.body() as { id: string; status: string }
}

async function finished(client: any, workspace: Workspace, user: User, id: string) {
  await drainQueue()
  const response = await client
    .get(`/w/${workspace.slug}/contacts/exports/${id}`)
    .loginAs(user)
    .header('accept', 'application/json')
  response.assertStatus(200)
  return response.body() as {
    status: string
    processed: number
    total: number
    downloadUrl: string | null
    expiresAt: string
    fileSize: number
  }
}

async function download(client: any, user: User, url: string) {
  const response = await client.get(url).loginAs(user)
  response.assertStatus(200)
  return parse(response.text(), { columns: true }) as Record<string, string>[]
}

test.group('Contacts export (CSV)', () => {
  test('a filtered list exports its contacts with standard and custom field columns', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { alice, bob } = await seed(workspace)

    const started = await startExport(client, workspace, owner, { definition: DEFINITION })
    assert.equal(started.status, 'queued')
    const done = await finished(client, workspace, owner, started.id)
    assert.equal(done.status, 'completed')
    assert.equal(done.processed, 2)
    assert.equal(done.total, 2)
    assert.isAbove(done.fileSize, 0)
    assert.isNotNull(done.downloadUrl)
    assert.include(done.downloadUrl!, 'signature=')
    const hours = DateTime.fromISO(done.expiresAt).diffNow('hours').hours
    assert.isAbove(hours, 23)
    assert.isBelow(hours, 24.1)

    const response = await client.get(done.downloadUrl!).loginAs(owner)
    response.assertStatus(200)
    assert.include(response.header('content-type'), 'text/csv')
    assert.include(response.header('content-disposition'), 'attachment')
    const [header] = parse(response.text(), { to: 1 }) as string[][]
    assert.deepEqual(header, [...STANDARD_COLUMNS, 'plan', 'score'])

    const rows = parse(response.text(), { columns: true }) as Record<string, string>[]
    assert.deepEqual(rows.map((row) => row.id).sort(), [alice.publicId, bob.publicId].sort())
    const a = rows.find((row) => row.id === alice.publicId)!
    assert.equal(a.phone, '+14155550101')
    assert.equal(a.name, 'Alice Example')
    assert.equal(a.email, 'alice@example.test')
    assert.equal(a.country, 'US')
    assert.equal(a.source, 'manual')
    assert.equal(a.messages_in, '3')
    assert.equal(a.messages_out, '2')
    assert.equal(a.tags, 'Loyal')
    assert.equal(a.marketing_consent, 'opted_in')
    assert.equal(a.plan, 'gold')
    assert.equal(a.score, '5')
    assert.match(a.created_at, /^\d{4}-\d{2}-\d{2}T/)
    const b = rows.find((row) => row.id === bob.publicId)!
    assert.equal(b.marketing_consent, 'opted_out')
    assert.equal(b.plan, 'silver')
    assert.equal(b.score, '')
    assert.equal(b.tags, '')

    // Request, completion and download are audited.
    const actions = (
      await AuditLog.query().where('workspace_id', workspace.id).where('target_id', started.id)
    ).map((entry) => entry.action)
    assert.includeMembers(actions, [
      'contacts.export_requested',
      'contacts.export_completed',
      'contacts.export_downloaded',
    ])
    const requested = await AuditLog.query()
      .where('action', 'contacts.export_requested')
      .where('target_id', started.id)
      .firstOrFail()
    assert.equal(requested.actorId, owner.id)
    assert.deepEqual((requested.after as any).params.definition, DEFINITION)
  })

  test('a saved segment exports the same rows as its definition; erased contacts never', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { alice, bob, carol, dave } = await seed(workspace)
    const segment = await tenancy.run(workspace.id, () =>
      Segment.create({ name: 'Loyal or Bob', definition: DEFINITION, createdBy: owner.id })
    )

    const bySegment = await startExport(client, workspace, owner, { segment: segment.publicId })
    const byDefinition = await startExport(client, workspace, owner, { definition: DEFINITION })
    const everyone = await startExport(client, workspace, owner, {})
    const segmentRows = await download(
      client,
      owner,
      (await finished(client, workspace, owner, bySegment.id)).downloadUrl!
    )
    const definitionRows = await download(
      client,
      owner,
      (await finished(client, workspace, owner, byDefinition.id)).downloadUrl!
    )
    const allRows = await download(
      client,
      owner,
      (await finished(client, workspace, owner, everyone.id)).downloadUrl!
    )
    assert.lengthOf(segmentRows, 2)
    assert.deepEqual(segmentRows, definitionRows)
    assert.deepEqual(
      allRows.map((row) => row.id),
      [alice.publicId, bob.publicId, dave.publicId],
      'every contact but the erased one, in id order'
    )
    assert.notInclude(
      allRows.map((row) => row.id),
      carol.publicId
    )

    // An unknown segment is a 404, an invalid definition a 422.
    await client
      .post(`/w/${workspace.slug}/contacts/exports`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ segment: '01JUNKNOWNSEGMENT000000000' })
      .then((response: any) => response.assertStatus(404))
    const invalid = await client
      .post(`/w/${workspace.slug}/contacts/exports`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({
        definition: {
          type: 'group',
          match: 'all',
          conditions: [{ type: 'custom_field', key: 'no_such_field', op: 'eq', value: 'x' }],
        },
      })
    invalid.assertStatus(422)
  })

  test('batches page by contact id: a small batch size writes the same rows', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    await seed(workspace)
    const read = (batchSize: number) =>
      tenancy.run(workspace.id, async () => {
        const sink = new PassThrough({ objectMode: true })
        const rows: unknown[][] = []
        sink.on('data', (row) => rows.push(row))
        const batches: number[] = []
        const result = await writeContactsCsv(sink, {
          definition: { type: 'group', match: 'all', conditions: [] },
          batchSize,
          onBatch: async (written) => {
            batches.push(written)
          },
        })
        return { rows, result, batches }
      })
    const small = await read(2)
    const large = await read(5000)
    assert.equal(small.result.rows, 3)
    assert.deepEqual(small.batches, [2, 3])
    assert.deepEqual(small.rows, large.rows)
  })

  test('the signed link: tampered 403, expired 410, other workspace or member 404', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await seed(workspace)
    const started = await startExport(client, workspace, owner, { definition: DEFINITION })
    const done = await finished(client, workspace, owner, started.id)
    const url = done.downloadUrl!

    const tampered = url.replace(/signature=([^&]+)/, (_, value: string) => {
      const last = value.slice(-1) === 'A' ? 'B' : 'A'
      return `signature=${value.slice(0, -1)}${last}`
    })
    ;(await client.get(tampered).loginAs(owner)).assertStatus(403)
    ;(await client.get(url.split('?')[0]).loginAs(owner)).assertStatus(403)
    // The signature names the route and its parameters: another export's URL with it fails.
    const other = await startExport(client, workspace, owner, {})
    await finished(client, workspace, owner, other.id)
    ;(await client.get(url.replace(started.id, other.id)).loginAs(owner)).assertStatus(403)

    // Not logged in: the auth middleware answers first.
    const anonymous = await client.get(url).redirects(0)
    anonymous.assertStatus(302)
    assert.equal(anonymous.header('location')?.split('?')[0], '/login')

    // A member of another workspace, through either workspace.
    const { workspace: elsewhere, owner: intruder } = await makeWorkspace()
    ;(await client.get(url).loginAs(intruder)).assertStatus(404)
    const throughB = url.replace(`/w/${workspace.slug}/`, `/w/${elsewhere.slug}/`)
    ;(await client.get(throughB).loginAs(intruder)).assertStatus(404)
    const denied = await AuditLog.query()
      .where('action', 'security.cross_tenant_denied')
      .where('target_id', started.id)
      .first()
    assert.isNotNull(denied, 'reaching for another workspace export is audited')

    // A manager of the same workspace who did not start the export.
    const manager = await makeUser()
    await addMember(workspace, manager, 'manager')
    ;(await client.get(url).loginAs(manager)).assertStatus(404)

    // Still valid for its owner, then expired: 410 with a readable message.
    ;(await client.get(url).loginAs(owner)).assertStatus(200)
    await db
      .from('contact_exports')
      .where('public_id', started.id)
      .update({ expires_at: '2020-01-01 00:00:00' })
    const expired = await client.get(url).loginAs(owner).header('accept', 'application/json')
    expired.assertStatus(410)
    assert.include(JSON.stringify(expired.body()), 'expired')
    const page = await finished(client, workspace, owner, started.id)
    assert.isNull(page.downloadUrl)
  })

  test('the recurring purge deletes expired export files and keeps the rows', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await seed(workspace)
    const kept = await startExport(client, workspace, owner, {})
    const gone = await startExport(client, workspace, owner, {})
    await drainQueue()
    const [keptRow, goneRow] = await tenancy.run(workspace.id, () =>
      Promise.all([
        ContactExport.findByOrFail('public_id', kept.id),
        ContactExport.findByOrFail('public_id', gone.id),
      ])
    )
    assert.isTrue(await drive.use().exists(goneRow.filePath!))
    await db
      .from('contact_exports')
      .where('id', goneRow.id)
      .update({ expires_at: '2020-01-01 00:00:00' })
    // Every expired file on the platform is purged (other tests' too): exactly those.
    const due = await db
      .from('contact_exports')
      .whereNotNull('file_path')
      .where('expires_at', '<=', sqlDateTime(DateTime.utc()))
      .count('* as n')
    assert.isAtLeast(Number(due[0].n), 1)
    assert.equal(await purgeExpiredExports(), Number(due[0].n))
    assert.isFalse(await drive.use().exists(goneRow.filePath!))
    assert.isTrue(await drive.use().exists(keptRow.filePath!))
    const after = await db.from('contact_exports').where('id', goneRow.id).first()
    assert.isNull(after.file_path)
    assert.equal(after.status, 'completed')
  })

  test('the exports page lists exports with live-progress channel and signed links', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await seed(workspace)
    const started = await startExport(client, workspace, owner, {})
    await drainQueue()
    const response = await client
      .get(`/w/${workspace.slug}/contacts/exports`)
      .loginAs(owner)
      .withInertia()
    response.assertStatus(200)
    response.assertInertiaComponent('contacts/exports/index')
    const props = response.inertiaProps as any
    assert.equal(props.exports[0].id, started.id)
    assert.equal(props.exports[0].status, 'completed')
    assert.include(props.exports[0].downloadUrl, 'signature=')
    assert.equal(props.realtimeChannel, `workspaces/${workspace.publicId}/contacts/exports`)

    // Without contacts.export: 403.
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const denied = await client
      .post(`/w/${workspace.slug}/contacts/exports`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({})
    denied.assertStatus(403)
  })
})
