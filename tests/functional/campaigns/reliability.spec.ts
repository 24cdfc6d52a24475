import { randomBytes, randomInt } from 'node:crypto'
import { spawn, type ChildProcess } from 'node:child_process'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { tenancy } from '#core/tenancy/context'
import { createMetaSimulator } from '#channels/simulator/index'
import { startCampaignDispatch } from '#campaigns/dispatch/control'
import {
  SIM_TOKEN,
  makeDispatchFixture,
  simulatorPort,
  statusCounts,
} from '#tests/helpers/campaign_dispatch'

/**
 * Exactly once under crashes (issue 7 §3): a 20,000-recipient campaign is
 * sent by a `node ace queue:work` child process that is killed with
 * SIGKILL three times at random points and restarted each time. The
 * simulator posts a `sent` status webhook for every accepted message
 * (batched, as Meta does), which is how a restarted dispatcher learns that
 * a message claimed by the dead worker did go out. At the end every
 * recipient has exactly one send at the simulator and is `sent`.
 *
 * The worker shares this process's database (the test server stores the
 * webhooks it ingests); it runs with --visibility-timeout=3000 (the dead
 * worker's job is taken over after 3 s) and CAMPAIGN_SENDING_GRACE_MS=4000
 * (rows it claimed with no webhook go back to pending after 4 s).
 */
const RECIPIENTS = 20_000
const KILL_WINDOWS: [number, number][] = [
  [0.1, 0.25],
  [0.35, 0.55],
  [0.6, 0.8],
]

type Worker = { child: ChildProcess; output: string[]; exited: Promise<unknown> }

function startWorker(env: NodeJS.ProcessEnv): Worker {
  const child = spawn(
    process.execPath,
    ['ace', 'queue:work', '--concurrency=4', '--visibility-timeout=3000'],
    { cwd: app.makePath(), env, stdio: ['ignore', 'pipe', 'pipe'] }
  )
  const output: string[] = []
  child.stdout!.on('data', (chunk) => output.push(String(chunk)))
  child.stderr!.on('data', (chunk) => output.push(String(chunk)))
  const exited = new Promise((resolve) => child.on('exit', resolve))
  return { child, output, exited }
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, label: string) {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`Timed out waiting for ${label}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

test.group('Campaign dispatch survives SIGKILL', (group) => {
  const workers: Worker[] = []

  group.each.teardown(async () => {
    for (const worker of workers.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL')
        await worker.exited
      }
    }
  })

  test('killed three times mid-campaign, every recipient is sent exactly once', async ({
    assert,
  }) => {
    const phoneNumberId = `PN${randomBytes(5).toString('hex')}`
    const wabaId = `WABA${randomBytes(4).toString('hex')}`
    const simulator = createMetaSimulator({
      port: simulatorPort(),
      appSecret: 'test-meta-app-secret',
      webhookUrl: `http://127.0.0.1:${process.env.PORT}/webhooks/meta`,
      accessTokens: [SIM_TOKEN],
      numbers: [
        {
          phoneNumberId,
          wabaId,
          displayPhoneNumber: '15550002222',
          verifiedName: 'Acme',
          mps: 1000,
        },
      ],
      autoStatuses: true,
      autoStatusSteps: ['sent'],
      statusBatchMs: 50,
    })
    await simulator.start()
    try {
      const f = await makeDispatchFixture({
        phoneNumberId,
        wabaId,
        recipients: RECIPIENTS,
        mps: 1000,
      })
      await tenancy.run(f.workspace.id, () => startCampaignDispatch(f.campaign.id))

      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_ENV: 'test',
        QUEUE_DRIVER: 'database',
        LOG_LEVEL: 'error',
        CAMPAIGN_SENDING_GRACE_MS: '4000',
        // The worker is what is measured: no lowered priority (default nice 10).
        QUEUE_WORKER_NICE: '0',
      }
      const sends = () => simulator.state.sent.filter((s) => s.phoneNumberId === phoneNumberId)
      const kills: number[] = []
      for (const [from, to] of KILL_WINDOWS) {
        const worker = startWorker(env)
        workers.push(worker)
        const at = Math.floor(RECIPIENTS * (from + (to - from) * (randomInt(1000) / 1000)))
        await waitFor(() => sends().length >= at, 90_000, `${at} sends`)
        worker.child.kill('SIGKILL')
        await worker.exited
        kills.push(sends().length)
      }
      const last = startWorker(env)
      workers.push(last)
      await waitFor(
        async () => {
          const row = await db.from('campaigns').where('id', f.campaign.id).select('status').first()
          return row?.status === 'completed'
        },
        100_000,
        'the campaign to complete'
      )
      await simulator.idle()
      // The last worker also applies the 20,000 status webhooks; later specs'
      // drainQueue() would otherwise inherit that backlog (and time out).
      await waitFor(
        async () => {
          const row = await db
            .from('webhook_events')
            .where('status', 'pending')
            .count('* as n')
            .first()
          return Number(row?.n ?? 0) === 0
        },
        120_000,
        'the webhook backlog to be applied'
      )

      const all = sends()
      const perRecipient = new Map<string, number>()
      for (const sent of all) {
        perRecipient.set(sent.callbackData!, (perRecipient.get(sent.callbackData!) ?? 0) + 1)
      }
      const duplicates = [...perRecipient.values()].filter((n) => n > 1).length
      const ids = await db
        .from('campaign_recipients')
        .where('campaign_id', f.campaign.id)
        .select('id')
      const missing = ids.filter((row) => !perRecipient.has(`cr:${row.id}`)).length
      console.log(
        `reliability: killed at ${kills.join(', ')} sends; ${all.length} sends for ${RECIPIENTS} recipients, duplicates ${duplicates}, missing ${missing}`
      )
      assert.equal(duplicates, 0, 'no recipient sent twice')
      assert.equal(missing, 0, 'no recipient left out')
      assert.equal(all.length, RECIPIENTS)
      assert.deepEqual(await statusCounts(f.campaign), { sent: RECIPIENTS })
      const campaign = await db.from('campaigns').where('id', f.campaign.id).first()
      assert.equal(Number(campaign.sent_count), RECIPIENTS)
      // The kills happened mid-campaign, not before or after it.
      assert.isTrue(kills.every((n) => n > 0 && n < RECIPIENTS))
    } finally {
      await simulator.stop()
    }
  }).timeout(180_000)
})
