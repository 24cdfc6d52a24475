/**
 * npm run bench:ingest — webhook ingestion, end to end.
 *
 * For each database (SQLite, and MariaDB when reachable) it starts Parley's web
 * server and one `queue:work` worker as separate processes on a fresh database,
 * posts signed Meta webhook batches over loopback (5% of them redelivered, like
 * Meta does), and measures:
 *   accepted_per_s   webhook requests answered 200 per second
 *   ack_p50/p99_ms   request latency
 *   processed_per_s  inbound messages stored (contact, conversation, message,
 *                    event) per second, from the first POST to the last row
 *   lost/duplicated  messages missing / stored twice after the run
 * The baseline is a plain node:http server doing the same signature check and
 * nothing else.
 *
 * Two load shapes, because a latency figure means something only at a stated
 * load:
 *   1. saturation: BENCH_CONCURRENCY clients post back to back (a closed
 *      loop). This measures capacity (accepted_per_s, processed_per_s); its
 *      latency is set by the client count (Little's law: about
 *      concurrency / throughput) and is reported as saturated_ack_*.
 *   2. at rate: then, with the worker still running, webhooks are posted on a
 *      fixed schedule (an open loop, as Meta delivers: it does not wait for one
 *      answer before sending the next event) at BENCH_RATE messages/s
 *      (default 1,000, the processing target) for BENCH_RATE_SECONDS (15).
 *      Each latency is measured from the request's scheduled time, so a
 *      stalled server is not hidden by requests sent late. This is ack_p50/p99;
 *      rate_drain_s is how long after the last POST every message was stored
 *      (about 0.1 s when processing keeps up with the offered load).
 * lost/duplicated count both phases. Ends with one JSON line per database.
 *
 * Knobs: BENCH_MESSAGES (default 20000: long enough to measure steady state, not JIT warm-up), BENCH_PER_POST (default 10),
 * BENCH_CONCURRENCY (default 16), BENCH_RATE (1000; 0 skips phase 2), BENCH_RATE_SECONDS (15),
 * BENCH_DBS (default "sqlite,mysql"), BENCH_PORT (3440; the
 * baseline server takes the next port).
 * BENCH_KILL_WORKER=1 is the reliability run: the worker is killed with
 * SIGKILL once a third of the messages are stored, a second worker takes
 * over, and lost/duplicated must still be 0.
 */
import { spawn, execFileSync } from 'node:child_process'
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import knex from 'knex'
import { assertPortFree, hubSignature, metaJson, stopChild, waitForHttp } from './lib/parley.mjs'

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000)
const PER_POST = Number(process.env.BENCH_PER_POST ?? 10)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const DBS = (process.env.BENCH_DBS ?? 'sqlite,mysql').split(',')
const KILL = process.env.BENCH_KILL_WORKER === '1'
const RATE = Number(process.env.BENCH_RATE ?? 1000)
// Diagnostics: extra node flags for the worker (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 15)
const RATE_MESSAGES = RATE > 0 ? Math.round(RATE * RATE_SECONDS) : 0
const SECRET = 'bench-app-secret'
const PORT = Number(process.env.BENCH_PORT ?? 3440)
const ROOT = new URL('..', import.meta.url).pathname

const sign = (body) => hubSignature(SECRET, body)

function batches(phoneNumberId, runId, total = MESSAGES, redeliver = true) {
  const posts = []
  for (let start = 0; start < total; start += PER_POST) {
    const messages = []
    const contacts = []
    for (let index = start; index < Math.min(total, start + PER_POST); index++) {
      const waId = `1555${String(index % 2000).padStart(7, '0')}`
      contacts.push({ profile: { name: `Client ${index % 2000} ✓` }, wa_id: waId })
      messages.push({
        from: waId,
        id: `wamid.${runId}.${index}`,
        timestamp: String(Math.floor(Date.now() / 1000)),
        type: 'text',
        text: { body: `Bonjour n°${index}, où est ma commande ?` },
      })
    }
    const body = metaJson({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA-BENCH',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
                contacts,
                messages,
              },
            },
          ],
        },
      ],
    })
    posts.push(body)
  }
  if (!redeliver) return posts
  // Meta redelivers: replay 5% of the posts.
  const replays = posts.filter((_, index) => index % 20 === 0)
  return [...posts, ...replays]
}

/**
 * Open loop: POST number i is due at start + i * interval whatever the
 * answers to earlier ones; its latency runs from that due time.
 */
async function fireAtRate(url, bodies, postsPerSecond) {
  const latencies = []
  let failures = 0
  const interval = 1000 / postsPerSecond
  const started = performance.now()
  const inFlight = []
  for (let index = 0; index < bodies.length; index++) {
    const due = started + index * interval
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    const body = bodies[index]
    inFlight.push(
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
        body,
      })
        .then(async (response) => {
          await response.arrayBuffer()
          if (response.status !== 200) failures++
        })
        .catch(() => failures++)
        .finally(() => latencies.push(performance.now() - due))
    )
  }
  await Promise.all(inFlight)
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]
  return {
    sentPerS: bodies.length / seconds,
    p50: pct(50),
    p99: pct(99),
    max: latencies.at(-1),
    failures,
  }
}

async function fire(url, bodies) {
  const latencies = []
  let next = 0
  let failures = 0
  const started = performance.now()
  async function worker() {
    while (next < bodies.length) {
      const body = bodies[next++]
      const t0 = performance.now()
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
        body,
      })
      await response.arrayBuffer()
      latencies.push(performance.now() - t0)
      if (response.status !== 200) failures++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]
  return {
    acceptedPerS: (bodies.length - failures) / seconds,
    p50: pct(50),
    p99: pct(99),
    failures,
    started,
  }
}

async function baseline(bodies) {
  const server = createServer((request, response) => {
    const chunks = []
    request.on('data', (chunk) => chunks.push(chunk))
    request.on('end', () => {
      const raw = Buffer.concat(chunks)
      const header = String(request.headers['x-hub-signature-256'] ?? '')
      const expected = createHmac('sha256', SECRET).update(raw).digest()
      const received = Buffer.from(header.slice(7), 'hex')
      const ok = received.length === expected.length && timingSafeEqual(received, expected)
      response.writeHead(ok ? 200 : 401).end(ok ? 'EVENT_RECEIVED' : 'no')
    })
  })
  await new Promise((resolve) => server.listen(PORT + 1, '127.0.0.1', resolve))
  const result = await fire(`http://127.0.0.1:${PORT + 1}/`, bodies)
  server.close()
  return result
}

function envFor(db) {
  return {
    ...process.env,
    NODE_ENV: 'production',
    APP_KEY: 'bench-app-key-not-a-secret-000000',
    HOST: '127.0.0.1',
    PORT: String(PORT),
    LOG_LEVEL: 'warn',
    SESSION_DRIVER: 'cookie',
    LIMITER_STORE: 'memory',
    MAIL_MAILER: 'file',
    META_APP_SECRET: SECRET,
    QUEUE_DRIVER: 'database',
    QUEUE_CONCURRENCY: '8',
    DB_CONNECTION: db,
    SQLITE_PATH: 'tmp/bench.sqlite3',
    DB_HOST: '127.0.0.1',
    DB_PORT: '3306',
    DB_USER: 'root',
    DB_PASSWORD: '',
    DB_DATABASE: 'parley_bench',
  }
}

const sqlNow = () => new Date().toISOString().slice(0, 19).replace('T', ' ')

function connect(db) {
  return db === 'mysql'
    ? knex({
        client: 'mysql2',
        connection: { host: '127.0.0.1', user: 'root', password: '', database: 'parley_bench' },
      })
    : knex({
        client: 'sqlite3',
        connection: { filename: `${ROOT}tmp/bench.sqlite3` },
        useNullAsDefault: true,
      })
}

async function run(db, bodies, ratedBodies, expectedIds) {
  const env = envFor(db)
  if (db === 'mysql') {
    execFileSync('mysql', [
      '-uroot',
      '-h127.0.0.1',
      '-e',
      'DROP DATABASE IF EXISTS parley_bench; CREATE DATABASE parley_bench',
    ])
  } else {
    execFileSync('rm', ['-f', `${ROOT}tmp/bench.sqlite3`])
  }
  execFileSync('node', ['ace', 'migration:run', '--force'], { cwd: ROOT, env, stdio: 'ignore' })
  execFileSync(
    'node',
    ['ace', 'user:create', 'bench@example.test', '--name=Bench', '--password=bench-pass-1'],
    { cwd: ROOT, env, stdio: 'ignore' }
  )
  execFileSync(
    'node',
    [
      'ace',
      'workspace:create',
      'Bench',
      '--slug=bench',
      '--owner=bench@example.test',
      '--plan=business',
    ],
    { cwd: ROOT, env, stdio: 'ignore' }
  )
  const database = connect(db)
  const workspace = await database('workspaces').where('slug', 'bench').first()
  const phoneNumberId = `9${Date.now()}`
  await database('channels').insert({
    public_id: randomBytes(13).toString('hex').toUpperCase().slice(0, 26),
    workspace_id: workspace.id,
    driver: 'meta_cloud',
    name: 'Bench',
    phone_number_id: phoneNumberId,
    waba_id: 'WABA-BENCH',
    webhook_key: randomBytes(16).toString('hex'),
    status: 'connected',
    settings: '{}',
    created_at: sqlNow(),
    updated_at: sqlNow(),
  })
  const payloads = bodies(phoneNumberId)
  const ratedPayloads = ratedBodies(phoneNumberId)
  await assertPortFree(PORT)

  const web = spawn('node', ['--import=ts-node-maintained/register/esm', 'bin/server.ts'], {
    cwd: ROOT,
    env,
    stdio: 'ignore',
  })
  const startWorker = () =>
    spawn(
      'node',
      [...WORKER_NODE_ARGS, 'ace', 'queue:work', '--concurrency=8', '--visibility-timeout=3000'],
      {
        cwd: ROOT,
        env,
        stdio: process.env.BENCH_DEBUG ? ['ignore', 'inherit', 'inherit'] : 'ignore',
      }
    )
  // BENCH_NO_WORKER=1: measure the request path alone (nothing processed).
  let worker = process.env.BENCH_NO_WORKER === '1' ? null : startWorker()
  let killed = false
  try {
    await waitForHttp(`http://127.0.0.1:${PORT}/health`)
    const result = await fire(`http://127.0.0.1:${PORT}/webhooks/meta`, payloads)
    if (!worker) worker = startWorker()
    let stored = 0
    const deadline = Date.now() + 300_000
    let lastRowAt = performance.now()
    while (Date.now() < deadline) {
      const [row] = await database('messages')
        .where('workspace_id', workspace.id)
        .count('* as total')
      stored = Number(row.total)
      lastRowAt = performance.now()
      if (stored >= expectedIds) break
      if (KILL && !killed && stored >= expectedIds / 3) {
        worker.kill('SIGKILL')
        killed = true
        worker = startWorker()
      }
      await sleep(100)
    }
    const seconds = (lastRowAt - result.started) / 1000
    const processedPerS = Math.round(stored / seconds)
    let rated = null
    if (ratedPayloads.length > 0) {
      rated = await fireAtRate(
        `http://127.0.0.1:${PORT}/webhooks/meta`,
        ratedPayloads,
        RATE / PER_POST
      )
      const total = expectedIds + RATE_MESSAGES
      const lastPost = performance.now()
      const until = Date.now() + 300_000
      while (Date.now() < until) {
        const [row] = await database('messages')
          .where('workspace_id', workspace.id)
          .count('* as total')
        stored = Number(row.total)
        if (stored >= total) break
        await sleep(100)
      }
      // How far processing trailed the offered load: 0.1 s means it kept up.
      rated.drainSeconds = (performance.now() - lastPost) / 1000
    }
    const [distinct] = await database('messages')
      .where('workspace_id', workspace.id)
      .countDistinct('provider_message_id as total')
    const distinctCount = Number(distinct.total)
    const expectedAll = expectedIds + (rated ? RATE_MESSAGES : 0)
    return {
      db,
      accepted_per_s: Math.round(result.acceptedPerS),
      saturated_ack_p50_ms: Number(result.p50.toFixed(2)),
      saturated_ack_p99_ms: Number(result.p99.toFixed(2)),
      rated,
      processed_per_s: processedPerS,
      lost: expectedAll - distinctCount,
      duplicated: stored - distinctCount,
      refused: result.failures + (rated?.failures ?? 0),
      workerKilled: killed,
    }
  } finally {
    await Promise.all([stopChild(web), stopChild(worker)])
    await database.destroy()
  }
}

const runId = randomBytes(3).toString('hex')
const make = (phoneNumberId) => batches(phoneNumberId, runId)
const makeRated = (phoneNumberId) =>
  RATE_MESSAGES > 0 ? batches(phoneNumberId, `${runId}r`, RATE_MESSAGES, false) : []
const base = await baseline(make('BASELINE'))
const lines = []
for (const db of DBS) {
  if (db === 'mysql') {
    try {
      execFileSync('mysqladmin', ['-uroot', '-h127.0.0.1', 'ping'], { stdio: 'ignore' })
    } catch {
      console.log('MariaDB not reachable: skipping the mysql run')
      continue
    }
  }
  const result = await run(db, make, makeRated, MESSAGES)
  const line = {
    bench: 'ingest',
    db: result.db,
    messages: MESSAGES,
    per_post: PER_POST,
    concurrency: CONCURRENCY,
    accepted_per_s: result.accepted_per_s,
    ack_load_msgs_per_s: result.rated ? RATE : null,
    ack_p50_ms: result.rated ? Number(result.rated.p50.toFixed(2)) : null,
    ack_p99_ms: result.rated ? Number(result.rated.p99.toFixed(2)) : null,
    ack_max_ms: result.rated ? Number(result.rated.max.toFixed(2)) : null,
    rate_drain_s: result.rated ? Number(result.rated.drainSeconds.toFixed(2)) : null,
    saturated_ack_p50_ms: result.saturated_ack_p50_ms,
    saturated_ack_p99_ms: result.saturated_ack_p99_ms,
    processed_per_s: result.processed_per_s,
    lost: result.lost,
    duplicated: result.duplicated,
    refused: result.refused,
    worker_sigkilled: result.workerKilled,
    baseline_accepted_per_s: Math.round(base.acceptedPerS),
    ratio_to_baseline: Number((result.accepted_per_s / base.acceptedPerS).toFixed(3)),
  }
  console.log(
    `${db}: ${line.accepted_per_s} webhooks/s accepted (baseline ${line.baseline_accepted_per_s}/s, ratio ${line.ratio_to_baseline}), ` +
      `saturated ack p50 ${line.saturated_ack_p50_ms} ms p99 ${line.saturated_ack_p99_ms} ms, ` +
      `${line.processed_per_s} messages/s processed; at ${RATE} messages/s offered: ack p50 ${line.ack_p50_ms} ms p99 ${line.ack_p99_ms} ms max ${line.ack_max_ms} ms (target p99 <= 50, ratio ${line.ack_p99_ms === null ? 'n/a' : (line.ack_p99_ms / 50).toFixed(2)}), all stored ${line.rate_drain_s} s after the last POST; lost ${line.lost}, duplicated ${line.duplicated}`
  )
  lines.push(line)
}
for (const line of lines) console.log(JSON.stringify(line))
