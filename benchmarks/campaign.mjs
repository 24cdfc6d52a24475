/**
 * npm run bench:campaign — campaign dispatch against the Meta simulator
 * (issue 7 §3), on MariaDB + Redis, from the production build.
 *
 * 1. Fresh database (`migration:run`, `user:create`, `workspace:create`);
 *    the web server connects a Meta channel through the settings form (the
 *    simulator answers Graph); an APPROVED template, a `running` campaign
 *    with one variant and BENCH_RECIPIENTS contacts (default 100,000) and
 *    their recipient rows are inserted in SQL (as audience preparation
 *    leaves them).
 * 2. The channel is set to BENCH_MPS (default 1,000) messages/s (the
 *    simulator's number too: beyond it, 130429), the dispatch job is queued
 *    and one `queue:work` worker sends the campaign. Pacer and circuit
 *    breaker state live in Redis (LIMITER_STORE=redis).
 * 3. Measured at the simulator, which runs in a process of its own
 *    (lib/simulator_process.mjs; the figures come back over IPC): achieved sends/s (accepted sends over the
 *    span from the first to the last), the most send requests in any
 *    one-second sliding window (accepted and throttled alike), duplicates
 *    (recipients sent more than once, by callback data `cr:<id>`) and
 *    missing (recipients never sent); the worker's peak RSS (VmHWM).
 * 4. Then a second campaign at the default 80 messages/s for about 30 s
 *    (BENCH_DEFAULT_SECONDS), same measures.
 *
 * Status webhooks are off here (autoStatuses: false): the dispatcher is
 * measured, not webhook ingestion (bench:ingest measures that).
 *
 * The worker runs with QUEUE_WORKER_NICE=0 (its default 10 yields to any
 * other process on the machine).
 *
 * Knobs: BENCH_RECIPIENTS (100000), BENCH_MPS (1000), BENCH_DEFAULT_SECONDS
 * (30), BENCH_PORT (3470), BENCH_SIM_PORT (3471), BENCH_DATABASE
 * (parley_bench_campaign), BENCH_BUILD (1; 0: use the existing build).
 * Diagnostics (no effect on what is measured): BENCH_LOG_LEVEL (warn),
 * BENCH_WORKER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`),
 * BENCH_DEBUG (the processes' output on this terminal).
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, symlinkSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import knex from 'knex'
import {
  ROOT,
  assertPortFree,
  cpuMs,
  loginAs,
  round,
  stopChild,
  waitForHttp,
} from './lib/parley.mjs'
import { startSimulatorProcess } from './lib/simulator_process.mjs'

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100_000)
const MPS = Number(process.env.BENCH_MPS ?? 1000)
const DEFAULT_MPS = 80
const DEFAULT_SECONDS = Number(process.env.BENCH_DEFAULT_SECONDS ?? 30)
const PORT = Number(process.env.BENCH_PORT ?? 3470)
const SIM_PORT = Number(process.env.BENCH_SIM_PORT ?? 3471)
const DATABASE = process.env.BENCH_DATABASE ?? 'parley_bench_campaign'
const BUILD = process.env.BENCH_BUILD !== '0'
const BASE = `http://127.0.0.1:${PORT}`
const SLUG = 'bench-campaign'
const OWNER_EMAIL = 'owner@bench-campaign.test'
const PASSWORD = 'bench-pass-1'
const PHONE_NUMBER_ID = '109000000000001'
const WABA_ID = '209000000000001'
const TOKEN = 'bench-simulator-token-0123456789'

const env = {
  ...process.env,
  NODE_ENV: 'production',
  APP_KEY: 'bench-app-key-not-a-secret-000000',
  HOST: '127.0.0.1',
  PORT: String(PORT),
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  SESSION_DRIVER: 'cookie',
  LIMITER_STORE: 'redis',
  MAIL_MAILER: 'file',
  QUEUE_DRIVER: 'database',
  DB_CONNECTION: 'mysql',
  DB_HOST: '127.0.0.1',
  DB_PORT: '3306',
  DB_USER: 'root',
  DB_PASSWORD: '',
  DB_DATABASE: DATABASE,
  REDIS_HOST: '127.0.0.1',
  META_GRAPH_URL: `http://127.0.0.1:${SIM_PORT}`,
  META_APP_SECRET: 'bench-meta-app-secret',
  META_VERIFY_TOKEN: 'bench-verify-token',
  // The worker lowers its priority by default (nice 10, so the web server
  // comes first); here it is the process being measured, and on a shared
  // machine anything else running would take its CPU.
  QUEUE_WORKER_NICE: process.env.QUEUE_WORKER_NICE ?? '0',
}

const BUILD_DIR = `${ROOT}build`

function ace(args) {
  try {
    return execFileSync('node', ['ace.js', ...args], {
      cwd: BUILD_DIR,
      env,
      stdio: 'pipe',
    }).toString()
  } catch (error) {
    throw new Error(
      `node ace ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`
    )
  }
}
const mysql = (sql) => execFileSync('mysql', ['-uroot', '-h127.0.0.1', '-e', sql])

function connect() {
  return knex({
    client: 'mysql2',
    connection: {
      host: '127.0.0.1',
      user: 'root',
      password: '',
      database: DATABASE,
      timezone: 'Z',
    },
    pool: { min: 0, max: 4 },
  })
}

const sqlNow = () => new Date().toISOString().slice(0, 19).replace('T', ' ')

function buildApp() {
  if (BUILD) {
    console.log('building the app (node ace build)…')
    execFileSync('node', ['ace', 'build'], { cwd: ROOT, env, stdio: 'pipe' })
  }
  if (!existsSync(`${BUILD_DIR}/node_modules`))
    symlinkSync('../node_modules', `${BUILD_DIR}/node_modules`)
}

/** Samples a process's peak RSS (VmHWM, Linux) until stopped. */
function rssSampler(child) {
  let peakKb = 0
  const timer = setInterval(() => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
      if (match) peakKb = Math.max(peakKb, Number(match[1]))
    } catch {}
  }, 200)
  return { stop: () => clearInterval(timer), peakMb: () => peakKb / 1024 }
}

async function setup(simulator) {
  mysql(`DROP DATABASE IF EXISTS \`${DATABASE}\`; CREATE DATABASE \`${DATABASE}\``)
  ace(['migration:run', '--force', '--disable-locks'])
  ace(['user:create', OWNER_EMAIL, '--name=Bench Owner', `--password=${PASSWORD}`])
  ace([
    'workspace:create',
    'Bench campaign',
    `--slug=${SLUG}`,
    `--owner=${OWNER_EMAIL}`,
    '--plan=business',
  ])

  // The channel through the settings form: Graph (the simulator) is asked about the number.
  const web = spawn('node', ['bin/server.js'], { cwd: BUILD_DIR, env, stdio: 'ignore' })
  try {
    await waitForHttp(`${BASE}/health`, 90)
    const session = await loginAs(BASE, OWNER_EMAIL, PASSWORD)
    const response = await session.request(`/w/${SLUG}/settings/channels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept': 'application/json' },
      body: JSON.stringify({
        name: 'Bench line',
        phoneNumberId: PHONE_NUMBER_ID,
        wabaId: WABA_ID,
        accessToken: TOKEN,
      }),
    })
    await response.arrayBuffer()
  } finally {
    await stopChild(web)
  }
  const database = connect()
  try {
    const channel = await database('channels').where('phone_number_id', PHONE_NUMBER_ID).first()
    if (!channel) throw new Error('the channel was not connected')
    const workspace = await database('workspaces').where('slug', SLUG).first()
    const owner = await database('users').where('email', OWNER_EMAIL).first()
    await database('channels').where('id', channel.id).update({ messaging_limit: 'TIER_UNLIMITED' })
    const now = sqlNow()
    const [templateId] = await database('message_templates').insert({
      public_id: '01BENCHTEMPLATE00000000001',
      workspace_id: workspace.id,
      channel_id: channel.id,
      waba_id: WABA_ID,
      name: 'bench_sale',
      language: 'en',
      category: 'MARKETING',
      parameter_format: 'positional',
      components: JSON.stringify([{ type: 'BODY', text: 'Hi {{1}}, the sale starts today.' }]),
      status: 'APPROVED',
      created_at: now,
      updated_at: now,
    })
    await simulator.call('addTemplate', {
      wabaId: WABA_ID,
      name: 'bench_sale',
      language: 'en',
      category: 'MARKETING',
    })
    return { workspaceId: workspace.id, channelId: channel.id, ownerId: owner.id, templateId }
  } finally {
    await database.destroy()
  }
}

let campaignSeq = 0

/** A running campaign with `count` fresh contacts as its recipients; returns its id. */
async function makeCampaign(ids, count, status = 'running') {
  const database = connect()
  const n = ++campaignSeq
  try {
    const now = sqlNow()
    const [campaignId] = await database('campaigns').insert({
      public_id: `01BENCHCAMPAIGN0000000000${n}`,
      workspace_id: ids.workspaceId,
      name: `Bench ${n}`,
      channel_id: ids.channelId,
      status,
      audience: JSON.stringify({
        include: { segments: [], tags: [], list: false, allContacts: true },
        exclude: { segments: [], tags: [] },
      }),
      reply_window_hours: 72,
      created_by: ids.ownerId,
      total_count: count,
      created_at: now,
      updated_at: now,
    })
    const [variantId] = await database('campaign_variants').insert({
      workspace_id: ids.workspaceId,
      campaign_id: campaignId,
      label: 'A',
      template_id: ids.templateId,
      variables: JSON.stringify({
        'body.1': { source: 'field', key: 'first_name', fallback: 'there' },
      }),
      split_percent: 100,
      created_at: now,
      updated_at: now,
    })
    const CHUNK = 2000
    for (let start = 0; start < count; start += CHUNK) {
      const rows = []
      for (let i = start; i < Math.min(count, start + CHUNK); i++) {
        const waId = `91${n}${String(9_000_000_000 + i)}`
        rows.push({
          public_id: `01B${String(n).padStart(3, '0')}${String(i).padStart(20, '0')}`,
          workspace_id: ids.workspaceId,
          wa_id: waId,
          phone: `+${waId}`,
          name: `Customer ${i}`,
          created_at: now,
          updated_at: now,
        })
      }
      await database('contacts').insert(rows)
    }
    await database.raw(
      `INSERT INTO campaign_recipients (workspace_id, campaign_id, contact_id, variant_id, phase, status, attempts)
       SELECT workspace_id, ?, id, ?, 'all', 'pending', 0 FROM contacts
       WHERE workspace_id = ? AND public_id LIKE ?`,
      [campaignId, variantId, ids.workspaceId, `01B${String(n).padStart(3, '0')}%`]
    )
    const [{ total }] = await database('campaign_recipients')
      .where('campaign_id', campaignId)
      .count('* as total')
    if (Number(total) !== count) throw new Error(`expected ${count} recipients, got ${total}`)
    return campaignId
  } finally {
    await database.destroy()
  }
}

async function setMps(ids, simulator, mps) {
  const database = connect()
  try {
    await database('channels')
      .where('id', ids.channelId)
      .update({ settings: JSON.stringify({ mps }) })
  } finally {
    await database.destroy()
  }
  await simulator.call('setMps', PHONE_NUMBER_ID, mps)
}

/** Queues the dispatch job (what startCampaignDispatch does) and waits for the campaign to complete. */
async function dispatchAndWait(ids, campaignId, count, label) {
  const database = connect()
  try {
    const now = sqlNow()
    await database('jobs').insert({
      queue: 'outbound',
      name: 'campaigns.dispatch',
      workspace_id: ids.workspaceId,
      payload: JSON.stringify({ campaignId }),
      attempts: 0,
      max_attempts: 10,
      backoff_ms: 5000,
      unique_key: null,
      status: 'waiting',
      available_at: Date.now(),
      created_at: now,
      updated_at: now,
    })
    const started = Date.now()
    let last = -1
    for (;;) {
      const campaign = await database('campaigns').where('id', campaignId).first()
      if (campaign.status === 'completed' || campaign.status === 'failed') return campaign
      if (Date.now() - started > Math.max(120_000, (count / 10) * 1000)) {
        throw new Error(`${label}: not completed in time (${JSON.stringify(campaign)})`)
      }
      const sent = Number(campaign.sent_count)
      if (sent !== last && (sent - last >= count / 10 || sent === count)) {
        console.log(`  ${label}: ${sent} / ${count} sent`)
        last = sent
      }
      await sleep(500)
    }
  } finally {
    await database.destroy()
  }
}

/** Sends of one campaign at the simulator: achieved rate, most in any second, duplicates, missing. */
async function measure(simulator, campaignId, since) {
  const database = connect()
  let recipientIds
  try {
    recipientIds = (
      await database('campaign_recipients').where('campaign_id', campaignId).select('id')
    ).map((row) => Number(row.id))
  } finally {
    await database.destroy()
  }
  const expected = new Set(recipientIds.map((id) => `cr:${id}`))
  // Accepted sends ([at, callbackData]) and send requests (at), from the simulator's process.
  const recorded = await simulator.call('sends', { since, phoneNumberId: PHONE_NUMBER_ID })
  const sends = recorded.sent.filter(([, callbackData]) => expected.has(callbackData))
  const seen = new Map()
  for (const [, callbackData] of sends) seen.set(callbackData, (seen.get(callbackData) ?? 0) + 1)
  const duplicates = [...seen.values()].filter((n) => n > 1).length
  const missing = [...expected].filter((key) => !seen.has(key)).length
  const times = sends.map(([at]) => at).sort((a, b) => a - b)
  const spanS = times.length > 1 ? (times.at(-1) - times[0]) / 1000 : 0
  // Diagnostics: the longest pauses between two accepted sends (e.g. a dispatch slice ending).
  const gaps = times
    .slice(1)
    .map((at, i) => at - times[i])
    .sort((a, b) => b - a)
    .slice(0, 3)
  const attempts = recorded.attempts
  const windowTimes = [...attempts].sort((a, b) => a - b)
  let maxInAnySecond = 0
  for (let start = 0, end = 0; end < windowTimes.length; end++) {
    while (windowTimes[end] - windowTimes[start] >= 1000) start++
    maxInAnySecond = Math.max(maxInAnySecond, end - start + 1)
  }
  return {
    sends: sends.length,
    throttled: attempts.length - sends.length,
    achieved: spanS > 0 ? (times.length - 1) / spanS : 0,
    spanS,
    maxInAnySecond,
    duplicates,
    missing,
    gaps,
  }
}

async function main() {
  await assertPortFree(PORT)
  buildApp()
  // Meta is a separate service: the simulator runs in a process of its own
  // (lib/simulator_process.mjs), so stalls of this process's event loop do
  // not bunch the requests it receives.
  const simulator = await startSimulatorProcess(`${BUILD_DIR}/app/channels/simulator/index.js`, {
    port: SIM_PORT,
    appSecret: 'bench-meta-app-secret',
    accessTokens: [TOKEN],
    numbers: [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        wabaId: WABA_ID,
        displayPhoneNumber: '15550009999',
        verifiedName: 'Bench',
        messagingLimit: 'TIER_UNLIMITED',
        mps: MPS,
      },
    ],
    autoStatuses: false,
  })
  let worker = null
  try {
    console.log('fresh database, workspace, channel and template…')
    const ids = await setup(simulator)
    console.log(`inserting ${RECIPIENTS} contacts and recipients…`)
    const bigCampaign = await makeCampaign(ids, RECIPIENTS)
    const smallCount = DEFAULT_MPS * DEFAULT_SECONDS
    const smallCampaign = await makeCampaign(ids, smallCount, 'paused')
    await setMps(ids, simulator, MPS)

    // BENCH_WORKER_NODE_ARGS: extra node flags for the worker (e.g. --cpu-prof).
    const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)
    worker = spawn('node', [...nodeArgs, 'ace.js', 'queue:work', '--concurrency=4'], {
      cwd: BUILD_DIR,
      env,
      stdio: process.env.BENCH_DEBUG ? 'inherit' : 'ignore',
    })
    const rss = rssSampler(worker)
    await sleep(3000)

    console.log(`campaign of ${RECIPIENTS} at ${MPS} msg/s…`)
    let since = Date.now()
    const cpuBefore = cpuMs(worker)
    const simCpuBefore = cpuMs(simulator)
    await dispatchAndWait(ids, bigCampaign, RECIPIENTS, `${MPS}/s`)
    const big = await measure(simulator, bigCampaign, since)
    const cpuAfter = cpuMs(worker)
    const simCpuAfter = cpuMs(simulator)
    if (cpuBefore !== null && cpuAfter !== null) {
      console.log(
        `worker CPU: ${round((cpuAfter - cpuBefore) / 1000, 1)} s for ${RECIPIENTS} sends (${round(((cpuAfter - cpuBefore) / RECIPIENTS) * 1000, 0)} ms per 1,000)`
      )
    }
    if (simCpuBefore !== null && simCpuAfter !== null) {
      console.log(`simulator CPU: ${round((simCpuAfter - simCpuBefore) / 1000, 1)} s`)
    }
    console.log(
      `${MPS}/s: ${big.sends} sends in ${round(big.spanS, 1)} s → ${round(big.achieved, 1)} msg/s, ` +
        `most in any second ${big.maxInAnySecond}, throttled (130429) ${big.throttled}, duplicates ${big.duplicates}, missing ${big.missing}`
    )
    console.log(`longest pauses between two sends: ${big.gaps.join(', ')} ms`)
    const ratio = big.achieved / MPS
    console.log(`ratio to target: ${round(ratio * 100, 1)} % of ${MPS} msg/s (target >= 95 %)`)

    console.log(
      `campaign of ${smallCount} at the default ${DEFAULT_MPS} msg/s (~${DEFAULT_SECONDS} s)…`
    )
    await setMps(ids, simulator, DEFAULT_MPS)
    mysql(`UPDATE \`${DATABASE}\`.campaigns SET status = 'running' WHERE id = ${smallCampaign}`)
    since = Date.now()
    await dispatchAndWait(ids, smallCampaign, smallCount, `${DEFAULT_MPS}/s`)
    const small = await measure(simulator, smallCampaign, since)
    console.log(
      `${DEFAULT_MPS}/s: ${small.sends} sends in ${round(small.spanS, 1)} s → ${round(small.achieved, 1)} msg/s ` +
        `(${round((small.achieved / DEFAULT_MPS) * 100, 1)} %), most in any second ${small.maxInAnySecond} (limit ${DEFAULT_MPS}), ` +
        `throttled ${small.throttled}, duplicates ${small.duplicates}, missing ${small.missing}`
    )
    rss.stop()
    const peak = rss.peakMb()
    console.log(`worker peak RSS: ${round(peak, 0)} MB`)
    if (big.maxInAnySecond > MPS || small.maxInAnySecond > DEFAULT_MPS) {
      console.log('LIMIT EXCEEDED in some one-second window')
    }
    console.log(
      JSON.stringify({
        bench: 'campaign',
        recipients: RECIPIENTS,
        configured_mps: MPS,
        achieved_mps: round(big.achieved, 1),
        max_in_any_second: big.maxInAnySecond,
        duplicates: big.duplicates + small.duplicates,
        missing: big.missing + small.missing,
        peak_rss_mb: round(peak, 0),
      })
    )
  } finally {
    await stopChild(worker)
    await simulator.stop()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
