import { randomBytes } from 'node:crypto'
import { spawn, type ChildProcess } from 'node:child_process'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { inbound, messagesEnvelope, metaJson } from '#tests/helpers/meta_payloads'

/**
 * Ingestion's reliability test (issue 3 §7): 5,000 simulated inbound
 * messages (500 stored deliveries of 10, plus 25 redeliveries) are being
 * processed by a `node ace queue:work` child when it is killed with
 * SIGKILL; a second worker takes over. Every message must be stored
 * exactly once, and the side effects of storing it (conversation unread
 * counts) must be applied exactly once too.
 *
 * The deliveries are written the way the webhook endpoint writes them
 * (one `webhook_events` row each, signature already checked); the workers
 * share this process's database (SQLite in WAL mode with a busy timeout,
 * or MariaDB). `--visibility-timeout=1500` makes the killed worker's lease
 * run out after 1.5 s instead of 60 s.
 */
const DELIVERIES = 500
const PER_DELIVERY = 10
const MESSAGES = DELIVERIES * PER_DELIVERY
const CONTACTS = 400

type Worker = { child: ChildProcess; output: string[]; exited: Promise<number | null> }

function startWorker(): Worker {
  const child = spawn(
    process.execPath,
    ['ace', 'queue:work', '--queue=webhooks', '--visibility-timeout=1500'],
    {
      cwd: app.makePath(),
      env: { ...process.env, NODE_ENV: 'test', QUEUE_DRIVER: 'database', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  const output: string[] = []
  child.stdout!.on('data', (chunk) => output.push(String(chunk)))
  child.stderr!.on('data', (chunk) => output.push(String(chunk)))
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ? null : code))
  })
  return { child, output, exited }
}

async function waitFor(check: () => Promise<boolean>, ms: number, label: string, worker: Worker) {
  const started = Date.now()
  while (!(await check())) {
    if (worker.child.exitCode !== null) {
      throw new Error(`Worker exited early (${label}):\n${worker.output.join('')}`)
    }
    if (Date.now() - started > ms) {
      throw new Error(`Timed out waiting for ${label}:\n${worker.output.join('')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

test.group('Webhook ingestion: worker killed with SIGKILL', (group) => {
  const children: Worker[] = []

  group.each.teardown(async () => {
    for (const worker of children.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL')
        await worker.exited
      }
    }
  })

  test('5,000 inbound messages are stored exactly once', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const phoneNumberId = `PN${randomBytes(5).toString('hex')}`
    const channel = await tenancy.run(workspace.id, () =>
      Channel.create({
        driver: 'meta_cloud',
        name: 'Busy number',
        displayPhoneNumber: '+1 555 000 2222',
        phoneNumberId,
        wabaId: 'WABA-KILL',
        accessToken: 'token-kill',
        appSecret: null,
        verifyToken: null,
        webhookKey: newWebhookKey(),
        status: 'connected',
        settings: {},
      })
    )

    const run = randomBytes(3).toString('hex')
    const rows = []
    for (let delivery = 0; delivery < DELIVERIES; delivery++) {
      const contacts = []
      const messages = []
      for (let index = 0; index < PER_DELIVERY; index++) {
        const n = delivery * PER_DELIVERY + index
        const waId = `1666${String(n % CONTACTS).padStart(7, '0')}`
        contacts.push({ profile: { name: `Client ${n % CONTACTS}` }, wa_id: waId })
        messages.push(
          inbound({
            id: `wamid.kill.${run}.${n}`,
            from: waId,
            type: 'text',
            text: { body: `n°${n}` },
          })
        )
      }
      rows.push({
        source: 'meta',
        channel_key: null,
        status: 'pending',
        raw_body: metaJson(messagesEnvelope({ phoneNumberId, contacts, messages })),
        updates: 0,
        attempts: 0,
        available_at: 0,
        received_at: new Date().toISOString().slice(0, 19).replace('T', ' '),
      })
    }
    // Meta redelivers: 5% of the deliveries arrive twice.
    const replays = rows.filter((_, index) => index % 20 === 7).map((row) => ({ ...row }))
    const all = [...rows, ...replays]
    const before = Number((await db.from('webhook_events').max('id as id'))[0].id ?? 0)
    const ours = () => db.from('webhook_events').where('id', '>', before)
    for (let start = 0; start < all.length; start += 50) {
      await db.table('webhook_events').multiInsert(all.slice(start, start + 50))
    }

    const stored = async () =>
      Number(
        (await db.from('messages').where('channel_id', channel.id).count('* as total'))[0].total
      )
    const claimed = async () =>
      Number(
        (await ours().where('status', 'pending').whereNotNull('claimed_by').count('* as total'))[0]
          .total
      )
    const pending = async () =>
      Number((await ours().where('status', 'pending').count('* as total'))[0].total)

    // First worker: killed while it holds a claimed batch, a third of the way in.
    const first = startWorker()
    children.push(first)
    await waitFor(
      async () => (await stored()) >= MESSAGES / 3 && (await claimed()) > 0,
      90_000,
      'the first worker to be a third of the way in',
      first
    )
    first.child.kill('SIGKILL')
    await first.exited
    const storedAtKill = await stored()
    const claimedAtKill = await claimed()

    // Second worker: takes the dead worker's deliveries once their lease runs out.
    const second = startWorker()
    children.push(second)
    await waitFor(async () => (await pending()) === 0, 120_000, 'every delivery', second)
    second.child.kill('SIGTERM')
    assert.equal(await second.exited, 0, second.output.join(''))

    const ids: { provider_message_id: string }[] = await db
      .from('messages')
      .where('channel_id', channel.id)
      .select('provider_message_id')
    const present = new Set(ids.map((row) => row.provider_message_id))
    const lost = MESSAGES - [...present].filter((id) => id.startsWith(`wamid.kill.${run}.`)).length
    const duplicated = ids.length - present.size
    const unread = await db
      .from('conversations')
      .where('channel_id', channel.id)
      .sum('unread_count as total')
      .count('* as conversations')
    const failed = await ours().where('status', 'failed').count('* as total')

    console.log(
      JSON.stringify({
        ingestSigkill: { messages: MESSAGES, storedAtKill, claimedAtKill, lost, duplicated },
      })
    )
    assert.isAbove(storedAtKill, 0)
    assert.isBelow(storedAtKill, MESSAGES, 'the kill should land before the end')
    assert.isAbove(claimedAtKill, 0, 'the kill should interrupt a claimed batch')
    assert.equal(lost, 0)
    assert.equal(duplicated, 0)
    assert.equal(ids.length, MESSAGES)
    // Side effects exactly once: one conversation per contact, one unread per message.
    assert.equal(Number(unread[0].conversations), CONTACTS)
    assert.equal(Number(unread[0].total), MESSAGES)
    assert.equal(Number(failed[0].total), 0)
  }).timeout(240_000)
})
