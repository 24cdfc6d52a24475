import { test } from '@japa/runner'
import ExcelJS from 'exceljs'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import ContactImport from '#contacts/models/contact_import'
import CustomField from '#contacts/models/custom_field'
import Plan from '#core/models/plan'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { runImport } from '#contacts/actions/import_contacts'
import { fieldValuesOf } from '#contacts/services/custom_fields'
import { addMember, makeUser, makeWorkspace, unique } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'

type Options = {
  defaultCountry?: string | null
  onExisting?: 'update' | 'skip'
  tags?: string[]
  consentScope?: 'marketing' | 'utility'
}

async function upload(
  client: any,
  workspace: Workspace,
  user: User,
  body: string | Buffer,
  filename = 'contacts.csv'
) {
  const response = await client
    .post(`/w/${workspace.slug}/contacts/imports`)
    .loginAs(user)
    .withCsrfToken()
    .redirects(0)
    .file('file', Buffer.isBuffer(body) ? body : Buffer.from(body), { filename })
  return response
}

/** Uploads, returns the import (status uploaded). */
async function uploaded(
  client: any,
  workspace: Workspace,
  user: User,
  body: string | Buffer,
  filename?: string
) {
  const response = await upload(client, workspace, user, body, filename)
  response.assertStatus(302)
  const publicId = String(response.header('location')).split('/').pop()!
  return tenancy.run(workspace.id, () => ContactImport.findByOrFail('public_id', publicId))
}

async function start(
  client: any,
  workspace: Workspace,
  user: User,
  record: ContactImport,
  mapping: unknown[],
  options: Options = {}
) {
  return client
    .post(`/w/${workspace.slug}/contacts/imports/${record.publicId}/start`)
    .loginAs(user)
    .withCsrfToken()
    .redirects(0)
    .header('accept', 'application/json')
    .json({
      mapping,
      defaultCountry: options.defaultCountry === undefined ? 'FR' : options.defaultCountry,
      onExisting: options.onExisting ?? 'update',
      tags: options.tags ?? [],
      consentScope: options.consentScope ?? 'marketing',
    })
}

/** Upload, start with `mapping`, run the queue: the finished import. */
async function importFile(
  client: any,
  workspace: Workspace,
  user: User,
  body: string | Buffer,
  mapping: unknown[],
  options: Options = {},
  filename?: string
) {
  const record = await uploaded(client, workspace, user, body, filename)
  const response = await start(client, workspace, user, record, mapping, options)
  response.assertStatus(302)
  await drainQueue({ timeoutMs: 30_000 })
  await tenancy.run(workspace.id, () => record.refresh())
  return record
}

const phone = { kind: 'standard', field: 'phone' }
const name = { kind: 'standard', field: 'name' }
const ignore = { kind: 'ignore' }

function contactsOf(workspace: Workspace) {
  return tenancy.run(workspace.id, () => Contact.query().orderBy('id'))
}

async function errorsOf(workspace: Workspace, record: ContactImport) {
  return db
    .from('contact_import_errors')
    .where('workspace_id', workspace.id)
    .where('import_id', record.id)
    .orderBy('row_number')
    .orderBy('id')
    .select('row_number', 'column_name', 'reason')
}

async function tagNamesOf(workspace: Workspace, contactId: number) {
  const rows = await db
    .from('contact_tags')
    .join('tags', 'tags.id', 'contact_tags.tag_id')
    .where('contact_tags.workspace_id', workspace.id)
    .where('contact_tags.contact_id', contactId)
    .select('tags.name')
  return rows.map((row) => row.name).sort()
}

test.group('Contacts import', () => {
  test('upload reads the header and the first rows; the mapping is suggested', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await tenancy.run(workspace.id, () =>
      CustomField.create({ key: 'plan', label: 'Plan', type: 'text', required: false, position: 0 })
    )
    const csv =
      '\uFEFFMobile;Full name;Plan;Notes\n0612345678;Zoé;gold;x\n0698765432;Ali;silver;y\n'
    const record = await uploaded(client, workspace, owner, csv)
    assert.equal(record.status, 'uploaded')
    assert.deepEqual(record.preview?.headers, ['Mobile', 'Full name', 'Plan', 'Notes'])
    assert.equal(record.preview?.delimiter, ';')
    assert.deepEqual(record.preview?.rows[0], ['0612345678', 'Zoé', 'gold', 'x'])

    const page = await client
      .get(`/w/${workspace.slug}/contacts/imports/${record.publicId}`)
      .loginAs(owner)
      .withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('contacts/imports/show')
    const props = page.inertiaProps as any
    assert.deepEqual(props.mapping, [phone, name, { kind: 'custom', key: 'plan' }, ignore])

    const preview = await client
      .post(`/w/${workspace.slug}/contacts/imports/${record.publicId}/preview`)
      .loginAs(owner)
      .withCsrfToken()
      .json({ mapping: props.mapping, defaultCountry: 'FR' })
    preview.assertStatus(200)
    assert.equal(preview.body().rows[0].values.phone, '+33612345678')
    assert.equal(preview.body().rows[0].values.fields.plan, 'gold')

    const list = await client
      .get(`/w/${workspace.slug}/contacts/imports`)
      .loginAs(owner)
      .withInertia()
    list.assertInertiaComponent('contacts/imports/index')
    assert.equal((list.inertiaProps as any).imports[0].id, record.publicId)
  })

  test('upload refuses other file types and empty files with a clear message', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const pdf = await upload(client, workspace, owner, '%PDF-1.4', 'contacts.pdf')
    pdf.assertStatus(302)
    const messages = JSON.stringify((pdf.flashMessages() as any).errors)
    assert.match(messages, /not a CSV or XLSX file/)
    const empty = await upload(client, workspace, owner, 'phone\n', 'empty.csv')
    const count = await db
      .from('contact_imports')
      .where('workspace_id', workspace.id)
      .count('* as n')
    assert.equal(Number(count[0].n), 1, 'a header-only file is accepted (nothing to import yet)')
    empty.assertStatus(302)
  })

  test('start requires exactly one phone column', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const record = await uploaded(client, workspace, owner, 'a,b\n0612345678,Zoé\n')
    const none = await start(client, workspace, owner, record, [ignore, name])
    none.assertStatus(422)
    assert.match(none.body().errors[0].message, /phone number/)
    const twice = await start(client, workspace, owner, record, [phone, phone])
    twice.assertStatus(422)
    await tenancy.run(workspace.id, () => record.refresh())
    assert.equal(record.status, 'uploaded')
  })

  test('default country, invalid rows reported with row, column and reason, valid rows imported', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const csv = [
      'phone,name,email',
      '06 12 34 56 78,Zoé,zoe@example.com',
      'not a phone,Bad,bad@example.com',
      '+44 7400 123456,Uk,uk@example.com',
      '0698765432,Mail,not-an-email',
      ',,',
      '0033 6 11 22 33 44,Intl,',
    ].join('\n')
    const record = await importFile(client, workspace, owner, csv, [
      phone,
      name,
      { kind: 'standard', field: 'email' },
    ])
    assert.equal(record.status, 'completed')
    assert.equal(record.processedRows, 6)
    assert.equal(record.createdCount, 3)
    assert.equal(record.errorCount, 2)
    assert.equal(record.skippedCount, 1, 'the blank row')
    const contacts = await contactsOf(workspace)
    assert.deepEqual(
      contacts.map((contact) => [contact.phone, contact.name, contact.country, contact.source]),
      [
        ['+33612345678', 'Zoé', 'FR', 'import'],
        ['+447400123456', 'Uk', 'GB', 'import'],
        ['+33611223344', 'Intl', 'FR', 'import'],
      ]
    )
    const errors = await errorsOf(workspace, record)
    assert.deepEqual(errors, [
      { row_number: 2, column_name: 'phone', reason: 'Not a phone number' },
      { row_number: 4, column_name: 'email', reason: 'Not a valid email address' },
    ])

    const report = await client
      .get(`/w/${workspace.slug}/contacts/imports/${record.publicId}/errors.csv`)
      .loginAs(owner)
    report.assertStatus(200)
    assert.include(report.header('content-type'), 'text/csv')
    const lines = report.text().replace('\uFEFF', '').trim().split('\n')
    assert.deepEqual(lines, [
      'row,column,reason',
      '2,phone,Not a phone number',
      '4,email,Not a valid email address',
    ])
  })

  test('without a default country, national numbers are rejected', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const record = await importFile(
      client,
      workspace,
      owner,
      'phone\n0612345678\n+33698765432\n',
      [phone],
      { defaultCountry: null }
    )
    assert.equal(record.createdCount, 1)
    const [error] = await errorsOf(workspace, record)
    assert.equal(error.row_number, 1)
    assert.match(error.reason, /no country code/)
  })

  test('existing contacts: update writes mapped non-empty columns; skip leaves them alone', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await tenancy.run(workspace.id, () =>
      Contact.createMany([
        { phone: '+33612345678', name: 'Old', email: 'old@example.com', source: 'manual' },
        { phone: '+33698765432', name: 'Keep', email: 'keep@example.com', source: 'manual' },
      ])
    )
    const csv =
      'phone,name,email\n0612345678,New,\n0698765432,,new@example.com\n0611111111,Fresh,\n'
    const mapping = [phone, name, { kind: 'standard', field: 'email' }]
    const updated = await importFile(client, workspace, owner, csv, mapping, {
      onExisting: 'update',
    })
    assert.equal(updated.createdCount, 1)
    assert.equal(updated.updatedCount, 2)
    let contacts = await contactsOf(workspace)
    assert.deepEqual(
      contacts.map((contact) => [contact.phone, contact.name, contact.email, contact.source]),
      [
        ['+33612345678', 'New', 'old@example.com', 'manual'],
        ['+33698765432', 'Keep', 'new@example.com', 'manual'],
        ['+33611111111', 'Fresh', null, 'import'],
      ]
    )

    const csv2 = 'phone,name\n0612345678,Ignored\n0622222222,Other\n'
    const skipped = await importFile(client, workspace, owner, csv2, [phone, name], {
      onExisting: 'skip',
    })
    assert.equal(skipped.createdCount, 1)
    assert.equal(skipped.skippedCount, 1)
    assert.equal(skipped.updatedCount, 0)
    contacts = await contactsOf(workspace)
    assert.equal(contacts.find((contact) => contact.phone === '+33612345678')!.name, 'New')
    assert.lengthOf(contacts, 4)
  })

  test('the same phone twice in a file: the later row updates the first (or is skipped)', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const csv = 'phone,name,tags\n0612345678,First,a\n+33 6 12 34 56 78,Second,b\n'
    const record = await importFile(client, workspace, owner, csv, [phone, name, { kind: 'tags' }])
    assert.equal(record.createdCount, 1)
    assert.equal(record.updatedCount, 1)
    const contacts = await contactsOf(workspace)
    assert.lengthOf(contacts, 1)
    assert.equal(contacts[0].name, 'Second')
    assert.deepEqual(await tagNamesOf(workspace, contacts[0].id), ['a', 'b'])
  })

  test('quotes, backslashes and other special characters are stored exactly as written', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const names = [
      "O'Brien \\ co",
      'Say "hi"; DROP TABLE contacts; --',
      "tab\there ' \\' \\\\",
      'نور الهدى',
    ]
    const cell = (text: string) => `"${text.replace(/"/g, '""')}"`
    const csv = ['phone,name,tags']
      .concat(names.map((text, index) => `061234567${index},${cell(text)},${cell(`x'\\${index}`)}`))
      .join('\n')
    const record = await importFile(client, workspace, owner, csv, [phone, name, { kind: 'tags' }])
    assert.equal(record.createdCount, names.length)
    assert.equal(record.errorCount, 0)
    const contacts = await contactsOf(workspace)
    assert.deepEqual(
      contacts.map((contact) => contact.name),
      names
    )
    for (const [index, contact] of contacts.entries()) {
      assert.deepEqual(await tagNamesOf(workspace, contact.id), [`x'\\${index}`])
    }
  })

  test('tags: a tags column and tags for every row, created when missing, never twice', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const csv = 'phone,labels\n0612345678,"vip, Lead"\n0698765432,\n'
    const record = await importFile(client, workspace, owner, csv, [phone, { kind: 'tags' }], {
      tags: ['Spring fair', 'lead'],
    })
    assert.equal(record.createdCount, 2)
    const [first, second] = await contactsOf(workspace)
    const lower = (names: string[]) => names.map((tag) => tag.toLowerCase()).sort()
    // vip matches the predefined VIP tag; Lead and lead are one tag.
    assert.deepEqual(lower(await tagNamesOf(workspace, first.id)), ['lead', 'spring fair', 'vip'])
    assert.deepEqual(lower(await tagNamesOf(workspace, second.id)), ['lead', 'spring fair'])
    assert.include(await tagNamesOf(workspace, first.id), 'VIP')
    const fairs = await db
      .from('tags')
      .where('workspace_id', workspace.id)
      .where('name', 'Spring fair')
      .count('* as n')
    assert.equal(Number(fairs[0].n), 1)
  })

  test('consent column records opt-in and opt-out events with the file row as proof', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const csv = 'phone,consent\n0612345678,yes\n0698765432,no\n0611111111,\n0622222222,maybe\n'
    const record = await importFile(client, workspace, owner, csv, [phone, { kind: 'consent' }], {
      consentScope: 'marketing',
    })
    assert.equal(record.createdCount, 3)
    assert.equal(record.errorCount, 1)
    const events = await db
      .from('consent_events')
      .where('workspace_id', workspace.id)
      .orderBy('proof_file_row')
      .select('event', 'scope', 'source', 'proof_file_row', 'dedupe_key', 'actor_id')
    assert.deepEqual(
      events.map((event) => [event.event, event.scope, event.source, event.proof_file_row]),
      [
        ['opt_in', 'marketing', 'import', 1],
        ['opt_out', 'marketing', 'import', 2],
      ]
    )
    assert.equal(events[0].dedupe_key, `import:${record.id}:1`)
    assert.equal(Number(events[0].actor_id), owner.id)
    const [error] = await errorsOf(workspace, record)
    assert.deepEqual(error, {
      row_number: 4,
      column_name: 'consent',
      reason: 'Consent must be yes or no',
    })
  })

  test('custom fields are coerced by type; a bad value rejects its row only', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const fields = await tenancy.run(workspace.id, async () => [
      await CustomField.create({
        key: 'age',
        label: 'Age',
        type: 'number',
        required: false,
        position: 0,
      }),
      await CustomField.create({
        key: 'since',
        label: 'Since',
        type: 'date',
        required: false,
        position: 1,
      }),
      await CustomField.create({
        key: 'plan',
        label: 'Plan',
        type: 'dropdown',
        options: ['Gold', 'Silver'],
        required: false,
        position: 2,
      }),
      await CustomField.create({
        key: 'vip',
        label: 'VIP',
        type: 'checkbox',
        required: false,
        position: 3,
      }),
    ])
    const csv = [
      'phone,age,since,plan,vip',
      '0612345678, 42 ,2024-03-01,gold,yes',
      '0698765432,old,2024-03-01,gold,no',
      '0611111111,7,01/03/2024,bronze,maybe',
      '0622222222,,,,',
    ].join('\n')
    const record = await importFile(client, workspace, owner, csv, [
      phone,
      { kind: 'custom', key: 'age' },
      { kind: 'custom', key: 'since' },
      { kind: 'custom', key: 'plan' },
      { kind: 'custom', key: 'vip' },
    ])
    assert.equal(record.createdCount, 2)
    assert.equal(record.errorCount, 2)
    const contacts = await contactsOf(workspace)
    const values = await tenancy.run(workspace.id, () =>
      fieldValuesOf(
        contacts.map((contact) => contact.id),
        fields
      )
    )
    assert.deepEqual(values.get(contacts[0].id), {
      age: 42,
      since: '2024-03-01',
      plan: 'Gold',
      vip: true,
    })
    assert.isUndefined(values.get(contacts[1].id), 'empty cells store nothing')
    const errors = await errorsOf(workspace, record)
    assert.deepEqual(
      errors.map((error) => [error.row_number, error.column_name]),
      [
        [2, 'age'],
        [3, 'since'],
        [3, 'plan'],
        [3, 'vip'],
      ]
    )
    assert.equal(errors[0].reason, 'Age must be a number')
  })

  test('XLSX: the first sheet is imported; numbers and dates are read as text', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await tenancy.run(workspace.id, () =>
      CustomField.create({
        key: 'since',
        label: 'Since',
        type: 'date',
        required: false,
        position: 0,
      })
    )
    const book = new ExcelJS.Workbook()
    const sheet = book.addWorksheet('Contacts')
    sheet.addRow(['Phone', 'Name', 'Since'])
    sheet.addRow([33612345678, 'Zoé', new Date(Date.UTC(2024, 2, 1))])
    sheet.addRow(['+44 7400 123456', { richText: [{ text: 'Al' }, { text: 'ice' }] }, null])
    sheet.addRow(['nope', 'Bad', null])
    const buffer = Buffer.from(await book.xlsx.writeBuffer())
    const record = await importFile(
      client,
      workspace,
      owner,
      buffer,
      [phone, name, { kind: 'custom', key: 'since' }],
      { defaultCountry: null },
      'contacts.xlsx'
    )
    assert.equal(record.format, 'xlsx')
    assert.equal(record.status, 'completed')
    assert.equal(record.processedRows, 3)
    assert.equal(record.createdCount, 1, 'a bare 33612345678 has no + and no default country')
    const contacts = await contactsOf(workspace)
    assert.deepEqual(
      contacts.map((contact) => [contact.phone, contact.name]),
      [['+447400123456', 'Alice']]
    )
    const errors = await errorsOf(workspace, record)
    assert.deepEqual(
      errors.map((error) => error.row_number),
      [1, 3]
    )

    const again = await importFile(
      client,
      workspace,
      owner,
      buffer,
      [phone, name, { kind: 'custom', key: 'since' }],
      { defaultCountry: 'FR' },
      'contacts.xlsx'
    )
    assert.equal(again.createdCount, 1)
    const zoe = await tenancy.run(workspace.id, () =>
      Contact.query().where('phone', '+33612345678').firstOrFail()
    )
    const field = await tenancy.run(workspace.id, () => CustomField.findByOrFail('key', 'since'))
    const values = await tenancy.run(workspace.id, () => fieldValuesOf([zoe.id], [field]))
    assert.deepEqual(values.get(zoe.id), { since: '2024-03-01' })
  })

  test('the plan limit stops new contacts; the rest are reported and the import completes', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const plan = await Plan.create({
      slug: unique('plan'),
      name: 'Tiny',
      isTrial: false,
      features: {},
      maxMembers: null,
      maxChannels: null,
      maxContacts: 3,
      maxMessagesPerMonth: null,
      maxStorageMb: null,
      maxQrChannels: null,
    })
    workspace.planId = plan.id
    await workspace.save()
    await tenancy.run(workspace.id, () =>
      Contact.create({ phone: '+33600000001', name: 'Existing', source: 'manual' })
    )
    const csv =
      'phone,name\n0611111111,A\n0622222222,B\n0633333333,C\n0600000001,Existing again\n0644444444,D\n'
    const record = await importFile(client, workspace, owner, csv, [phone, name])
    assert.equal(record.status, 'completed')
    assert.equal(record.createdCount, 2)
    assert.equal(record.updatedCount, 1, 'existing contacts are still updated')
    assert.equal(record.errorCount, 2)
    assert.match(record.failure!, /plan limit of 3 contacts/)
    const errors = await errorsOf(workspace, record)
    assert.deepEqual(
      errors.map((error) => [error.row_number, error.reason]),
      [
        [3, 'Plan limit of 3 contacts reached'],
        [5, 'Plan limit of 3 contacts reached'],
      ]
    )
    assert.lengthOf(await contactsOf(workspace), 3)
  })

  test('resume after a killed worker: nothing twice, counters exact', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const rows = ['phone,name,tags,consent']
    for (let index = 0; index < 10; index++) {
      rows.push(`06${String(10000000 + index)},Person ${index},"t${index % 2},all",yes`)
    }
    rows.push('bad,Bad,x,yes')
    const record = await uploaded(client, workspace, owner, rows.join('\n'))
    const mapping = [phone, name, { kind: 'tags' }, { kind: 'consent' }]
    // Queued by hand: the test plays the worker.
    await tenancy.run(workspace.id, async () => {
      record.merge({
        mapping: mapping as any,
        options: {
          defaultCountry: 'FR',
          onExisting: 'update',
          tags: ['batch'],
          consentScope: 'marketing',
        },
        status: 'queued',
      })
      await record.save()
    })

    let batches = 0
    await assert.rejects(
      () =>
        tenancy.run(workspace.id, () =>
          runImport(record.id, {
            batchSize: 4,
            afterBatch: () => {
              batches++
              if (batches === 1) throw new Error('worker killed')
            },
          })
        ),
      'worker killed'
    )
    await tenancy.run(workspace.id, () => record.refresh())
    assert.equal(record.processedRows, 4)
    assert.equal(record.createdCount, 4)
    assert.equal(record.status, 'failed')
    assert.lengthOf(await contactsOf(workspace), 4)

    await tenancy.run(workspace.id, () => runImport(record.id, { batchSize: 4 }))
    await tenancy.run(workspace.id, () => record.refresh())
    assert.equal(record.status, 'completed')
    assert.equal(record.processedRows, 11)
    assert.equal(record.createdCount, 10)
    assert.equal(record.errorCount, 1)
    assert.equal(record.totalRows, 11)

    const contacts = await contactsOf(workspace)
    assert.lengthOf(contacts, 10)
    assert.lengthOf(new Set(contacts.map((contact) => contact.phone)), 10)
    const events = await db
      .from('consent_events')
      .where('workspace_id', workspace.id)
      .select('proof_file_row')
    assert.lengthOf(events, 10)
    assert.sameMembers(
      events.map((event) => Number(event.proof_file_row)),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    )
    const links = await db.from('contact_tags').where('workspace_id', workspace.id).count('* as n')
    assert.equal(Number(links[0].n), 30, 'each contact: t0|t1, all, batch')
    const errors = await errorsOf(workspace, record)
    assert.deepEqual(
      errors.map((error) => error.row_number),
      [11]
    )

    // A third run (a duplicate delivery of the job) changes nothing.
    await tenancy.run(workspace.id, () => runImport(record.id, { batchSize: 4 }))
    assert.lengthOf(await contactsOf(workspace), 10)
  })

  test('batches written two at a time: repeats across batches, new tags and values land once, counters exact', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const field = await tenancy.run(workspace.id, () =>
      CustomField.create({ key: 'tier', label: 'Tier', type: 'text', required: false, position: 0 })
    )
    // Batches of 3: each phone comes back in the next batch (while the earlier one may be in flight)
    // with a new name, value and tag; tag t<k> is first seen in batch k and used again in k+1.
    const rows = ['phone,name,tier,tags']
    for (let batch = 0; batch < 6; batch++) {
      rows.push(`06${String(20000000 + batch)},Person ${batch},gold,t${batch}`)
      if (batch > 0)
        rows.push(`06${String(20000000 + batch - 1)},Again ${batch - 1},silver,t${batch}`)
      rows.push(`06${String(30000000 + batch)},Other ${batch},,"t${batch},shared"`)
    }
    const record = await uploaded(client, workspace, owner, rows.join('\n'))
    await tenancy.run(workspace.id, async () => {
      record.merge({
        mapping: [phone, name, { kind: 'custom', key: 'tier' }, { kind: 'tags' }] as any,
        options: {
          defaultCountry: 'FR',
          onExisting: 'update',
          tags: [],
          consentScope: 'marketing',
        },
        status: 'queued',
      })
      await record.save()
    })
    await tenancy.run(workspace.id, () => runImport(record.id, { batchSize: 3 }))
    await tenancy.run(workspace.id, () => record.refresh())
    assert.equal(record.status, 'completed')
    assert.equal(record.processedRows, 17)
    assert.equal(record.createdCount, 12)
    assert.equal(record.updatedCount, 5)
    assert.equal(record.errorCount + record.skippedCount, 0)

    const contacts = await contactsOf(workspace)
    assert.lengthOf(contacts, 12)
    const byPhone = new Map(contacts.map((contact) => [contact.phone, contact]))
    for (let batch = 0; batch < 6; batch++) {
      const first = byPhone.get(`+336${String(20000000 + batch)}`)!
      const repeated = batch < 5
      assert.equal(first.name, repeated ? `Again ${batch}` : `Person ${batch}`)
      const values = await tenancy.run(workspace.id, () => fieldValuesOf([first.id], [field]))
      assert.equal(values.get(first.id)?.tier, repeated ? 'silver' : 'gold')
      assert.deepEqual(
        await tagNamesOf(workspace, first.id),
        repeated ? [`t${batch}`, `t${batch + 1}`] : [`t${batch}`]
      )
      const other = byPhone.get(`+336${String(30000000 + batch)}`)!
      assert.deepEqual(await tagNamesOf(workspace, other.id), ['shared', `t${batch}`])
    }
    const tags = await db
      .from('tags')
      .where('workspace_id', workspace.id)
      .whereIn('name', ['t0', 't1', 't2', 't3', 't4', 't5', 'shared'])
      .count('* as n')
    assert.equal(Number(tags[0].n), 7)
    const values = await db
      .from('contact_field_values')
      .where('workspace_id', workspace.id)
      .where('field_id', field.id)
      .count('* as n')
    assert.equal(Number(values[0].n), 6)
  })

  test('a custom field deleted while the import runs fails the import and leaves no value without its field', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const field = await tenancy.run(workspace.id, () =>
      CustomField.create({ key: 'tier', label: 'Tier', type: 'text', required: false, position: 0 })
    )
    const rows = ['phone,tier']
    for (let index = 0; index < 9; index++) rows.push(`06${String(40000000 + index)},gold`)
    const record = await uploaded(client, workspace, owner, rows.join('\n'))
    await tenancy.run(workspace.id, async () => {
      record.merge({
        mapping: [phone, { kind: 'custom', key: 'tier' }] as any,
        options: {
          defaultCountry: 'FR',
          onExisting: 'update',
          tags: [],
          consentScope: 'marketing',
        },
        status: 'queued',
      })
      await record.save()
    })
    let batches = 0
    await assert.rejects(() =>
      tenancy.run(workspace.id, () =>
        runImport(record.id, {
          batchSize: 3,
          afterBatch: async () => {
            // After the first commit, while the second batch is (or is about to be) in flight.
            if (++batches === 1) await db.from('custom_fields').where('id', field.id).delete()
          },
        })
      )
    )
    await tenancy.run(workspace.id, () => record.refresh())
    assert.equal(record.status, 'failed')
    assert.equal(record.processedRows, 3)
    assert.lengthOf(await contactsOf(workspace), 3)
    const orphans = await db
      .from('contact_field_values')
      .where('contact_field_values.workspace_id', workspace.id)
      .whereNotExists((query) =>
        query
          .from('custom_fields')
          .whereRaw('custom_fields.id = contact_field_values.field_id')
          .whereRaw('custom_fields.workspace_id = contact_field_values.workspace_id')
      )
      .count('* as n')
    assert.equal(Number(orphans[0].n), 0)
  })

  test('cancel stops an import; a member without contacts.import gets 403', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const record = await uploaded(client, workspace, owner, 'phone\n0612345678\n')
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const denied = await client.get(`/w/${workspace.slug}/contacts/imports`).loginAs(agent)
    denied.assertStatus(403)

    const cancelled = await client
      .post(`/w/${workspace.slug}/contacts/imports/${record.publicId}/cancel`)
      .loginAs(owner)
      .withCsrfToken()
      .redirects(0)
    cancelled.assertStatus(302)
    await tenancy.run(workspace.id, () => record.refresh())
    assert.equal(record.status, 'cancelled')
    const restart = await start(client, workspace, owner, record, [phone])
    restart.assertStatus(422)
  })

  test('another workspace cannot read or start an import (404)', async ({ client }) => {
    const { workspace, owner } = await makeWorkspace()
    const record = await uploaded(client, workspace, owner, 'phone\n0612345678\n')
    const other = await makeWorkspace()
    for (const path of ['', '/errors.csv']) {
      const response = await client
        .get(`/w/${other.workspace.slug}/contacts/imports/${record.publicId}${path}`)
        .loginAs(other.owner)
      response.assertStatus(404)
    }
    const started = await start(client, other.workspace, other.owner, record, [phone])
    started.assertStatus(404)
  })
})
