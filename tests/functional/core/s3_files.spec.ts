import { test } from '@japa/runner'
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import drive from '@adonisjs/drive/services/main'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import ContactExport from '#contacts/models/contact_export'
import ContactImport from '#contacts/models/contact_import'
import Message from '#inbox/models/message'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { purgeExpiredExports } from '#contacts/jobs/purge_expired_exports'
import { PART_SIZE, s3Settings } from '#core/drive/s3_disk'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { inbound } from '#tests/helpers/inbox'
import { FAKE_S3_SECRET_ACCESS_KEY, type FakeS3, useFakeS3Disk } from '#tests/helpers/fake_s3'

/**
 * Tenant files on the S3-compatible disk: the app's default disk runs the
 * real `s3` service (flydrive's S3 driver, the AWS SDK over HTTP) against
 * the in-process fake of tests/helpers/fake_s3.ts, and every flow is
 * checked in the bucket itself, not through the disk that wrote it.
 */

const json = (request: any) => request.header('accept', 'application/json')

const FULL_ENV = {
  S3_BUCKET: 'tenant-files',
  S3_REGION: 'eu-west-3',
  S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  S3_SECRET_ACCESS_KEY: 'very-secret-value',
}

test.group('S3 disk: settings', () => {
  test('each missing variable is named; secrets never appear in the error', ({ assert }) => {
    for (const name of Object.keys(FULL_ENV)) {
      const env: Record<string, unknown> = { ...FULL_ENV, [name]: '  ' }
      assert.throws(() => s3Settings((key) => env[key]), new RegExp(`needs ${name} `))
    }
    const withoutKey: Record<string, unknown> = { ...FULL_ENV, S3_ACCESS_KEY_ID: undefined }
    try {
      s3Settings((key) => withoutKey[key])
      assert.fail('expected an error')
    } catch (error) {
      assert.notInclude(String((error as Error).message), 'very-secret-value')
    }
    const bad: Record<string, unknown> = { ...FULL_ENV, S3_ENDPOINT: 'minio:9000' }
    assert.throws(() => s3Settings((key) => bad[key]), /S3_ENDPOINT must be an http\(s\) URL/)

    const env: Record<string, unknown> = {
      ...FULL_ENV,
      S3_ENDPOINT: 'http://minio:9000',
      S3_FORCE_PATH_STYLE: true,
    }
    assert.deepEqual(
      s3Settings((key) => env[key]),
      {
        bucket: 'tenant-files',
        region: 'eu-west-3',
        endpoint: 'http://minio:9000',
        forcePathStyle: true,
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: 'very-secret-value',
      }
    )
    const aws: Record<string, unknown> = { ...FULL_ENV }
    assert.isUndefined(s3Settings((key) => aws[key]).endpoint)
    assert.isFalse(s3Settings((key) => aws[key]).forcePathStyle)
  })

  test('booting with DRIVE_DISK=s3 and a missing variable stops with its name', async ({
    assert,
  }) => {
    const run = promisify(execFile)
    const env = {
      ...process.env,
      ...FULL_ENV,
      NODE_ENV: 'test',
      DRIVE_DISK: 's3',
      S3_BUCKET: '',
    }
    const failure = await run(process.execPath, ['ace', 'contacts:export'], {
      env,
      timeout: 60_000,
    }).then(
      () => null,
      (error) => error as { code: number; stdout: string; stderr: string }
    )
    assert.isNotNull(failure, 'the boot should fail')
    assert.notEqual(failure!.code, 0)
    const output = `${failure!.stdout}\n${failure!.stderr}`.replace(/\s+/g, ' ')
    assert.include(output, 'DRIVE_DISK=s3 needs S3_BUCKET')
    assert.notInclude(output, 'very-secret-value')
  }).timeout(90_000)
})

test.group('S3 disk: objects', (group) => {
  let fake: FakeS3
  group.setup(async () => {
    const opened = await useFakeS3Disk()
    fake = opened.fake
    return opened.restore
  })
  group.each.setup(() => fake.reset())

  test('requests are signed with the configured key; the secret never travels', async ({
    assert,
  }) => {
    await drive.use().put('workspaces/0/probe.txt', 'probe')
    assert.deepEqual(fake.operations('workspaces/0/probe.txt'), ['PutObject'])
    assert.equal(fake.object('workspaces/0/probe.txt')!.body.toString(), 'probe')
    assert.equal(fake.object('workspaces/0/probe.txt')!.contentType, 'text/plain')
    assert.isTrue(await drive.use().exists('workspaces/0/probe.txt'))
    assert.isFalse(await drive.use().exists('workspaces/0/missing.txt'))
    await assert.rejects(() => drive.use().getStream('workspaces/0/missing.txt'))
    // The fake refuses requests without this key id (see its Authorization check).
    assert.notInclude(JSON.stringify(fake.requests), FAKE_S3_SECRET_ACCESS_KEY)
    await drive.use().delete('workspaces/0/probe.txt')
    assert.isNull(fake.object('workspaces/0/probe.txt'))
  })

  test('a stream of unknown length: one PutObject when small, a multipart upload when large', async ({
    assert,
  }) => {
    await drive.use().putStream('workspaces/0/small.csv', Readable.from(['a,b\n', '1,2\n']))
    assert.deepEqual(fake.operations('workspaces/0/small.csv'), ['PutObject'])
    assert.equal(fake.object('workspaces/0/small.csv')!.body.toString(), 'a,b\n1,2\n')

    // 2.5 parts, in 64 KiB chunks with distinct bytes, as an export writes them.
    const total = Math.floor(PART_SIZE * 2.5)
    const expected = Buffer.alloc(total)
    for (let i = 0; i < total; i++) expected[i] = (i * 31 + (i >> 16)) & 0xff
    async function* chunks() {
      for (let at = 0; at < total; at += 65536) yield expected.subarray(at, at + 65536)
    }
    await drive.use().putStream('workspaces/0/big.zip', Readable.from(chunks()))
    assert.deepEqual(fake.operations('workspaces/0/big.zip'), [
      'CreateMultipartUpload',
      'UploadPart',
      'UploadPart',
      'UploadPart',
      'CompleteMultipartUpload',
    ])
    assert.isTrue(fake.object('workspaces/0/big.zip')!.body.equals(expected))
    assert.equal((await drive.use().getMetaData('workspaces/0/big.zip')).contentLength, total)
  })

  test('a failing source aborts the upload; nothing is left in the bucket', async ({ assert }) => {
    const big = Buffer.alloc(PART_SIZE + 1024, 1)
    async function* failing() {
      yield big
      throw new Error('writer failed')
    }
    await assert.rejects(() =>
      drive.use().putStream('workspaces/0/broken.zip', Readable.from(failing()))
    )
    assert.isNull(fake.object('workspaces/0/broken.zip'))
  })
})

/** Extracts a zip with the unzip CLI (integrity-checked); returns its entries. */
function unzip(bytes: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-s3-zip-'))
  try {
    const file = join(dir, 'archive.zip')
    writeFileSync(file, bytes)
    execFileSync('unzip', ['-tq', file])
    const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
    return new Map(names.map((name) => [name, execFileSync('unzip', ['-p', file, name])]))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function exportRow(workspace: Workspace, id: string) {
  return tenancy.run(workspace.id, () => ContactExport.findByOrFail('public_id', id))
}

async function contacts(workspace: Workspace, phones: string[]) {
  await tenancy.run(workspace.id, async () => {
    for (const [index, phone] of phones.entries()) {
      await Contact.create({ phone, name: `Person ${index}`, source: 'manual' })
    }
  })
}

async function uploadImport(
  client: any,
  workspace: Workspace,
  owner: User,
  body: Buffer,
  filename: string
) {
  const response = await client
    .post(`/w/${workspace.slug}/contacts/imports`)
    .loginAs(owner)
    .withCsrfToken()
    .redirects(0)
    .file('file', body, { filename })
  response.assertStatus(302)
  const publicId = String(response.header('location')).split('/').pop()!
  return tenancy.run(workspace.id, () => ContactImport.findByOrFail('public_id', publicId))
}

async function startImport(client: any, workspace: Workspace, owner: User, record: ContactImport) {
  const response = await json(
    client
      .post(`/w/${workspace.slug}/contacts/imports/${record.publicId}/start`)
      .loginAs(owner)
      .withCsrfToken()
      .redirects(0)
  ).json({
    mapping: [
      { kind: 'standard', field: 'phone' },
      { kind: 'standard', field: 'name' },
    ],
    defaultCountry: 'FR',
    onExisting: 'update',
    tags: [],
    consentScope: 'marketing',
  })
  response.assertStatus(302)
  await drainQueue({ timeoutMs: 30_000 })
  await tenancy.run(workspace.id, () => record.refresh())
}

test.group('S3 disk: exports and imports', (group) => {
  let fake: FakeS3
  group.setup(async () => {
    const opened = await useFakeS3Disk()
    fake = opened.fake
    return opened.restore
  })
  group.each.setup(() => fake.reset())

  test('a CSV export is written to the bucket and its signed link streams the object', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await contacts(workspace, ['+33612345601', '+33612345602', '+33612345603'])
    const started = await json(
      client.post(`/w/${workspace.slug}/contacts/exports`).loginAs(owner).withCsrfToken()
    ).json({})
    started.assertStatus(201)
    await drainQueue()
    const exp = await exportRow(workspace, started.body().id)
    assert.equal(exp.status, 'completed', exp.failure ?? '')
    const key = `workspaces/${workspace.id}/exports/${exp.publicId}.csv`
    assert.equal(exp.filePath, key)
    assert.deepEqual(fake.keys(`workspaces/${workspace.id}/`), [key])
    const object = fake.object(key)!
    assert.equal(exp.fileSize, object.body.length)
    const stored = parse(object.body, { columns: true, bom: true }) as Record<string, string>[]
    assert.sameMembers(
      stored.map((row) => row.phone),
      ['+33612345601', '+33612345602', '+33612345603']
    )

    const page = await json(
      client.get(`/w/${workspace.slug}/contacts/exports/${exp.publicId}`).loginAs(owner)
    )
    page.assertStatus(200)
    const before = fake.requests.length
    const download = await client.get(page.body().downloadUrl).loginAs(owner)
    download.assertStatus(200)
    assert.include(download.header('content-type'), 'text/csv')
    assert.equal(download.text(), object.body.toString('utf8'))
    assert.includeMembers(
      fake.requests.slice(before).map((request) => request.operation),
      ['GetObject']
    )

    // Expired: the recurring purge deletes the object, the row stays.
    await db
      .from('contact_exports')
      .where('id', exp.id)
      .update({ expires_at: '2020-01-01 00:00:00' })
    await purgeExpiredExports()
    assert.isNull(fake.object(key))
    assert.include(fake.operations(key), 'DeleteObject')
  })

  test("a contact's privacy export zips its media read from the bucket; erasure deletes the media", async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation } = await inbound(workspace, { waId: '447700900555', text: 'hi' })
    const mediaPath = `workspaces/${workspace.id}/media/s3-privacy.jpg`
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(3000, 9)])
    fake.putObject(mediaPath, photo, 'image/jpeg')
    const message = await tenancy.run(workspace.id, () =>
      Message.create({
        conversationId: conversation.id,
        channelId: conversation.channelId,
        direction: 'in',
        type: 'image',
        body: null,
        payload: { image: {} },
        status: 'received',
        mediaPath,
        mediaMime: 'image/jpeg',
        attempts: 0,
      })
    )
    const contact = await tenancy.run(workspace.id, () =>
      Contact.findOrFail(conversation.contactId)
    )
    const started = await json(
      client
        .post(`/w/${workspace.slug}/contacts/${contact.publicId}/privacy/export`)
        .loginAs(owner)
        .withCsrfToken()
    ).json({})
    started.assertStatus(201)
    await drainQueue()
    const exp = await exportRow(workspace, started.body().id)
    assert.equal(exp.status, 'completed', exp.failure ?? '')
    assert.equal(exp.filePath, `workspaces/${workspace.id}/exports/${exp.publicId}.zip`)
    const entries = unzip(fake.object(exp.filePath!)!.body)
    assert.isTrue(entries.get(`media/${message.publicId}.jpg`)?.equals(photo))
    assert.include(fake.operations(mediaPath), 'GetObject')

    const erased = await json(
      client
        .post(`/w/${workspace.slug}/contacts/${contact.publicId}/privacy/erase`)
        .loginAs(owner)
        .withCsrfToken()
    ).json({ confirm: '+447700900555' })
    erased.assertStatus(200)
    assert.isNull(fake.object(mediaPath))
  })

  test('a CSV import is uploaded to the bucket, read from it, then deleted', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const csv = 'phone,name\n06 12 34 56 78,Zoé\n+44 7400 123456,Uk\nnot a phone,Bad\n'
    const record = await uploadImport(client, workspace, owner, Buffer.from(csv), 'people.csv')
    const key = record.filePath
    assert.match(key, new RegExp(`^workspaces/${workspace.id}/imports/.+\\.csv$`))
    assert.equal(fake.object(key)!.body.toString('utf8'), csv)
    assert.include(fake.operations(key), 'PutObject')

    await startImport(client, workspace, owner, record)
    assert.equal(record.status, 'completed')
    assert.equal(record.createdCount, 2)
    assert.equal(record.errorCount, 1)
    const stored = await tenancy.run(workspace.id, () => Contact.query().orderBy('id'))
    assert.deepEqual(
      stored.map((row) => [row.phone, row.name]),
      [
        ['+33612345678', 'Zoé'],
        ['+447400123456', 'Uk'],
      ]
    )
    assert.include(fake.operations(key), 'GetObject')
    // Done: the uploaded file is removed from the bucket.
    assert.isNull(fake.object(key))
  })

  test('an XLSX import streams from the bucket too', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const book = new ExcelJS.Workbook()
    const sheet = book.addWorksheet('People')
    sheet.addRow(['Phone', 'Name'])
    sheet.addRow(['+33 6 11 22 33 44', 'Ana'])
    sheet.addRow([33698765432, 'Ben'])
    const bytes = Buffer.from(await book.xlsx.writeBuffer())
    const record = await uploadImport(client, workspace, owner, bytes, 'people.xlsx')
    assert.isTrue(fake.object(record.filePath)!.body.equals(bytes))
    await startImport(client, workspace, owner, record)
    assert.equal(record.status, 'completed', record.failure ?? '')
    const stored = await tenancy.run(workspace.id, () => Contact.query().orderBy('id'))
    assert.deepEqual(
      stored.map((row) => [row.phone, row.name]),
      [
        ['+33611223344', 'Ana'],
        ['+33698765432', 'Ben'],
      ]
    )
  })
})
