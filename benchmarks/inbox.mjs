/**
 * npm run bench:inbox — the shared team inbox at scale (issue 5 §7).
 *
 * 1. Seeds ONE workspace on MariaDB with 100,000 conversations and
 *    1,000,000 messages (multi-row INSERTs straight into the tables after
 *    `node ace migration:run` on a fresh database; the workspace, its owner
 *    and the agent come from the app's own `user:create` and
 *    `workspace:create` commands). A database that already holds the
 *    requested size is reused; BENCH_RESEED=1 seeds again.
 * 2. Starts Parley's web server and one `queue:work` worker as separate
 *    processes (Redis transport for Transmit, like production), logs in
 *    over HTTP (CSRF token, session cookie) as the agent (Support agent
 *    role: default view Mine, sees their own, unassigned and their teams'
 *    conversations) and as the owner (supervisor: default view All).
 * 3. After a warm-up, measures BENCH_REQUESTS requests each, BENCH_CONCURRENCY
 *    at a time: the agent's default list, the owner's default list, a
 *    filtered view and a search over message text (owner, view=all), and
 *    the thread of random conversations the agent may open; also the web
 *    server's CPU time per request (not inflated by other processes).
 * 4. Opens an SSE connection to Transmit as the agent, subscribes to the
 *    workspace inbox channel, posts signed Meta webhooks (one message each,
 *    from contacts whose open conversations are assigned to the agent) at
 *    BENCH_RATE messages/s for BENCH_LATENCY_SECONDS, and measures, per
 *    message, the time from the webhook's 200 answer to the push naming
 *    that message (matched exactly: wamid -> stored message public id).
 * 5. Ends with one line of JSON.
 *
 * Knobs: BENCH_CONVERSATIONS (100000), BENCH_MESSAGES (1000000),
 * BENCH_REQUESTS (300), BENCH_CONCURRENCY (4), BENCH_WARMUP (40),
 * BENCH_LATENCY_SECONDS (15), BENCH_LATENCY_WARMUP_SECONDS (3), BENCH_RATE (200),
 * BENCH_RESEED (0), BENCH_BUFFER_POOL_MB (1024; 0 leaves MariaDB's own),
 * BENCH_PORT (3450), BENCH_DATABASE (parley_bench_inbox), BENCH_PHASES
 * (requests,latency), BENCH_EXPLAIN=1 (log the SQL of the web server and the
 * worker, print each endpoint's costliest statements with their EXPLAIN),
 * BENCH_DEBUG.
 */
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import knex from 'knex'
import { monotonicFactory } from 'ulidx'
import {
  ROOT,
  assertPortFree,
  cpuMs,
  hubSignature,
  loginAs,
  metaTextWebhook,
  percentile,
  round,
  startWeb,
  startWorker,
  mariadbBufferPool,
  stopChild,
  waitForHttp,
} from './lib/parley.mjs'

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000)
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 40)
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 15)
const RATE = Number(process.env.BENCH_RATE ?? 200)
const LATENCY_WARMUP_SECONDS = Number(process.env.BENCH_LATENCY_WARMUP_SECONDS ?? 3)
const RESEED = process.env.BENCH_RESEED === '1'
/** MariaDB's InnoDB buffer pool for the run (the compose stack's 1 GB; 0: leave the server's). */
const BUFFER_POOL_MB = Number(process.env.BENCH_BUFFER_POOL_MB ?? 1024)
/** Which measurements to run: requests (list, filter, search, thread) and/or latency. */
const PHASES = (process.env.BENCH_PHASES ?? 'requests,latency').split(',')
const PORT = Number(process.env.BENCH_PORT ?? 3450)
const DATABASE = process.env.BENCH_DATABASE ?? 'parley_bench_inbox'
const SECRET = 'bench-app-secret'
const BASE = `http://127.0.0.1:${PORT}`
const SLUG = 'bench-inbox'
const OWNER_EMAIL = 'owner@bench-inbox.test'
const AGENT_EMAIL = 'agent@bench-inbox.test'
const PASSWORD = 'bench-pass-1'
/** Bumped when the seeded data's shape changes: older seeds are redone. */
const SEED_VERSION = 2
const TARGETS = { list: 50, thread: 50, webhook_to_agent: 250 }
/** BENCH_EXPLAIN=1: log the web server's SQL and EXPLAIN the costliest statements of each endpoint. */
const QUERY_LOG = process.env.BENCH_EXPLAIN === '1' ? `${ROOT}tmp/bench_inbox_queries.jsonl` : null
const WORKER_QUERY_LOG = QUERY_LOG && QUERY_LOG.replace('queries', 'worker_queries')

if (!(CONVERSATIONS > 0 && MESSAGES >= CONVERSATIONS)) {
  throw new Error(
    'BENCH_MESSAGES must be at least BENCH_CONVERSATIONS (one message per conversation)'
  )
}

const env = {
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
  DB_CONNECTION: 'mysql',
  DB_HOST: '127.0.0.1',
  DB_PORT: '3306',
  DB_USER: 'root',
  DB_PASSWORD: '',
  DB_DATABASE: DATABASE,
  REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1',
  ...(QUERY_LOG ? { BENCH_QUERY_LOG: QUERY_LOG } : {}),
}

function ace(args) {
  try {
    return execFileSync('node', ['ace', ...args], { cwd: ROOT, env, stdio: 'pipe' })
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim()
    throw new Error(`node ace ${args.join(' ')} failed:\n${output}`)
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
      charset: 'utf8mb4',
      timezone: 'Z',
    },
    pool: {
      min: 0,
      max: 3,
      // Bulk loading: the generated rows are consistent by construction.
      afterCreate: (conn, done) =>
        conn.query('SET unique_checks = 0, foreign_key_checks = 0', (error) => done(error, conn)),
    },
  })
}

// ---------------------------------------------------------------------------
// Deterministic data generation
// ---------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a seed is the same every time. */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const pick = (random, list) => list[Math.floor(random() * list.length)]
const weighted = (random, weights) => {
  let r = random() * weights.reduce((a, b) => a + b, 0)
  for (let index = 0; index < weights.length; index++) {
    r -= weights[index]
    if (r < 0) return index
  }
  return weights.length - 1
}

const COMMON = (
  'hello hi thanks thank you please order delivery package tracking number invoice payment ' +
  'refund return exchange size colour color price discount offer coupon code account password ' +
  'login address change update cancel confirm confirmed shipping shipped arrived today tomorrow ' +
  'yesterday week morning evening store branch open close hours available stock product item ' +
  'items quantity photo picture receipt card cash transfer bank help support agent question ' +
  'problem issue broken damaged missing wrong late early fast slow great good bad sorry okay ' +
  'sure yes no maybe when where why how much many still waiting call back message reply soon ' +
  'my your our the a an is are was will can could would should not with for from to of in on ' +
  'at by about this that it we they you me us them there here again new old first last next ' +
  'phone email website app link form status ticket subscription plan monthly yearly renewal ' +
  'warranty repair replacement appointment booking reservation table menu lunch dinner'
).split(' ')
/** Each occurs in about 0.1% of messages: the search terms. */
const RARE = (
  'aubergine zeppelin kumquat marzipan quokka tamarind gazebo harmonica lanyard obsidian ' +
  'pelican quasar rhubarb saffron topiaz umbrella2 vermouth walrus xylophone yodel ' +
  'artichoke bonsai cardamom dulcimer eggplant falafel gondola hibiscus igloo jasmine ' +
  'kiwano lilac mangosteen nutmeg origami papaya quinoa rambutan sorbet tortellini'
).split(' ')
const ARABIC =
  'مرحبا شكرا طلب توصيل الفاتورة الدفع استرجاع المنتج متى اليوم غدا العنوان السعر خصم'.split(' ')
const FIRST = (
  'Amina Omar Sara Youssef Lina Karim Nadia Hassan Maya Ali Fatima Adam Layla Samir Hana ' +
  'John Mary James Emma Lucas Chloe Noah Olivia Liam Sofia Ethan Ava Mateo Zoe Leo Ines'
).split(' ')
const LAST = (
  'Haddad Khalil Mansour Nasser Saleh Farah Aziz Rahman Smith Johnson Martin Bernard ' +
  'Dubois Garcia Rossi Silva Novak Kowalski Jansen Meyer Costa Moreau Laurent Petit'
).split(' ')

/** The text of message `index`, the same on every seed. */
function bodyOf(index, language) {
  const random = rng(index * 2654435761 + 17)
  const count = 4 + Math.floor(random() * 16)
  const words = []
  const vocabulary = language === 'ar' ? ARABIC : COMMON
  for (let i = 0; i < count; i++) words.push(pick(random, vocabulary))
  // One rare word in RARE.length per mille of the messages: ~0.1% each.
  if (random() < RARE.length / 1000) {
    words[Math.floor(random() * words.length)] = pick(random, RARE)
  }
  if (language !== 'ar') words[0] = words[0][0].toUpperCase() + words[0].slice(1)
  return words.join(' ') + (random() < 0.3 ? '?' : '.')
}

const sqlAt = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')

// ---------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------

async function seedState(database) {
  const [[exists]] = await database.raw(
    'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
    [DATABASE, 'bench_seed']
  )
  if (!Number(exists.n)) return null
  try {
    const row = await database('bench_seed').orderBy('id', 'desc').first()
    const workspace = await database('workspaces').where('slug', SLUG).first()
    if (!row || !workspace) return null
    return { ...row, workspace }
  } catch {
    return null
  }
}

/** Inserts `rows` in multi-row statements, two statements in flight. */
function bulkInserter(database, table, chunk = 2000) {
  let buffer = []
  const inFlight = new Set()
  const send = async (rows) => {
    const promise = database(table)
      .insert(rows)
      .catch((error) => {
        // Not the whole multi-row statement in the message.
        throw new Error(`INSERT INTO ${table} failed: ${error.sqlMessage ?? error.message}`)
      })
    inFlight.add(promise)
    promise.finally(() => inFlight.delete(promise))
    if (inFlight.size >= 2) await Promise.race(inFlight)
  }
  return {
    async push(row) {
      buffer.push(row)
      if (buffer.length >= chunk) {
        const rows = buffer
        buffer = []
        await send(rows)
      }
    },
    async flush() {
      if (buffer.length) await send(buffer)
      buffer = []
      await Promise.all(inFlight)
    },
  }
}

async function seed() {
  const started = performance.now()
  console.log(`seeding ${DATABASE}: ${CONVERSATIONS} conversations, ${MESSAGES} messages…`)
  mysql(`DROP DATABASE IF EXISTS \`${DATABASE}\`; CREATE DATABASE \`${DATABASE}\``)
  ace(['migration:run', '--force', '--disable-locks'])
  ace(['user:create', OWNER_EMAIL, '--name=Bench Owner', `--password=${PASSWORD}`])
  ace(['user:create', AGENT_EMAIL, '--name=Bench Agent', `--password=${PASSWORD}`])
  ace([
    'workspace:create',
    'Bench inbox',
    `--slug=${SLUG}`,
    `--owner=${OWNER_EMAIL}`,
    '--plan=business',
  ])

  const database = connect()
  const ulid = monotonicFactory()
  const now = Date.now()
  const nowSql = sqlAt(now)
  try {
    const workspace = await database('workspaces').where('slug', SLUG).first()
    const ws = workspace.id
    const owner = await database('users').where('email', OWNER_EMAIL).first()
    const agent = await database('users').where('email', AGENT_EMAIL).first()
    // The agent has the "Support agent" system role: no inbox.view_all, so
    // their default view is Mine and they see only their own, unassigned
    // and their teams' conversations. The owner plays the supervisor.
    const role = await database('roles').where({ workspace_id: ws, key: 'agent' }).first()
    await database('memberships').insert({
      public_id: ulid(),
      workspace_id: ws,
      user_id: agent.id,
      role_id: role.id,
      created_at: nowSql,
      updated_at: nowSql,
    })
    // No auto-away (it would reassign the agent's conversations mid-run).
    await database('workspaces').where('id', ws).update({ auto_away_minutes: 0 })
    await database('agent_profiles').insert(
      [owner, agent].map((user) => ({
        workspace_id: ws,
        user_id: user.id,
        availability: 'online',
        availability_changed_at: nowSql,
        last_activity_at: nowSql,
        is_senior: user === owner,
        notify_desktop: true,
        notify_sound: true,
        created_at: nowSql,
        updated_at: nowSql,
      }))
    )

    const phoneNumberId = `9${now}`
    await database('channels').insert({
      public_id: ulid(),
      workspace_id: ws,
      driver: 'meta_cloud',
      name: 'Bench',
      phone_number_id: phoneNumberId,
      waba_id: 'WABA-BENCH',
      webhook_key: randomBytes(16).toString('hex'),
      status: 'connected',
      settings: '{}',
      created_at: nowSql,
      updated_at: nowSql,
    })
    const meta = await database('channels').where('phone_number_id', phoneNumberId).first()
    const sandbox = await database('channels')
      .where({ workspace_id: ws, driver: 'sandbox' })
      .first()

    for (const name of ['Sales', 'Support', 'Billing']) {
      await database('teams').insert({
        public_id: ulid(),
        workspace_id: ws,
        name,
        reassign_on_away: false,
        created_at: nowSql,
        updated_at: nowSql,
      })
    }
    const teams = (await database('teams').where('workspace_id', ws).orderBy('id')).map(
      (team) => team.id
    )
    await database('team_members').insert(
      teams.slice(0, 2).map((teamId) => ({
        workspace_id: ws,
        team_id: teamId,
        user_id: agent.id,
        created_at: nowSql,
      }))
    )

    const existingTags = new Set(
      (await database('tags').where('workspace_id', ws).select('name')).map((tag) =>
        tag.name.toLowerCase()
      )
    )
    const tagNames = [
      'bench-vip',
      'bench-billing',
      'bench-lead',
      'bench-complaint',
      'bench-returns',
    ]
    tagNames.push('bench-wholesale', 'bench-follow-up', 'bench-spam')
    const colors = ['red', 'amber', 'green', 'blue', 'violet', 'slate', 'pink', 'teal']
    await database('tags').insert(
      tagNames
        .filter((name) => !existingTags.has(name))
        .map((name, index) => ({
          public_id: ulid(),
          workspace_id: ws,
          name,
          color: colors[index % colors.length],
          created_at: nowSql,
          updated_at: nowSql,
        }))
    )
    const tags = (await database('tags').where('workspace_id', ws).whereIn('name', tagNames)).map(
      (tag) => tag.id
    )

    // --- Contacts: one per conversation, except ~15% of conversations
    // that are older, resolved conversations of a contact seen again.
    const contactCount = Math.max(1, Math.ceil(CONVERSATIONS * 0.85))
    const contactBase = Number((await database('contacts').max('id as max').first()).max ?? 0)
    const random = rng(42)
    const contactLanguage = new Array(contactCount)
    let inserter = bulkInserter(database, 'contacts')
    const contactTagRows = []
    for (let index = 0; index < contactCount; index++) {
      const waId = `1555${String(index).padStart(7, '0')}`
      const name = `${pick(random, FIRST)} ${pick(random, LAST)}`
      contactLanguage[index] = ['en', 'en', 'en', 'en', 'en', 'en', 'en', 'ar', 'ar', 'fr'][
        Math.floor(random() * 10)
      ]
      await inserter.push({
        id: contactBase + index + 1,
        public_id: ulid(now - Math.floor(random() * 120 * 86400_000)),
        workspace_id: ws,
        wa_id: waId,
        phone: `+${waId}`,
        name: random() < 0.8 ? name : null,
        profile_name: name,
        created_at: nowSql,
        updated_at: nowSql,
      })
      if (random() < 0.1) {
        contactTagRows.push({
          workspace_id: ws,
          contact_id: contactBase + index + 1,
          tag_id: tags[Math.floor(random() * tags.length)],
          created_at: nowSql,
        })
      }
    }
    await inserter.flush()
    inserter = bulkInserter(database, 'contact_tags')
    for (const row of contactTagRows) await inserter.push(row)
    await inserter.flush()
    console.log(
      `  contacts: ${contactCount} (${((performance.now() - started) / 1000).toFixed(1)} s)`
    )

    // --- Messages per conversation: 1 to ~2×average, summing to MESSAGES.
    const average = MESSAGES / CONVERSATIONS
    const counts = new Int32Array(CONVERSATIONS)
    let total = 0
    for (let i = 0; i < CONVERSATIONS; i++) {
      counts[i] = 1 + Math.floor(random() * Math.max(1, 2 * average - 1))
      total += counts[i]
    }
    while (total !== MESSAGES) {
      const i = Math.floor(random() * CONVERSATIONS)
      if (total > MESSAGES && counts[i] > 1) {
        counts[i]--
        total--
      } else if (total < MESSAGES) {
        counts[i]++
        total++
      }
    }

    // --- Conversations and the timeline of their messages.
    const DAY = 86400_000
    const conv = {
      contact: new Int32Array(CONVERSATIONS),
      status: new Uint8Array(CONVERSATIONS), // 0 open 1 pending 2 snoozed 3 resolved
      lastAt: new Float64Array(CONVERSATIONS),
      firstAt: new Float64Array(CONVERSATIONS),
      firstMessage: new Int32Array(CONVERSATIONS),
    }
    const msgConv = new Int32Array(MESSAGES)
    const msgTime = new Float64Array(MESSAGES)
    const msgDir = new Uint8Array(MESSAGES) // 0 in 1 out 2 note
    let cursor = 0
    for (let i = 0; i < CONVERSATIONS; i++) {
      const extra = i >= contactCount
      conv.contact[i] = extra ? Math.floor(random() * contactCount) : i
      conv.status[i] = extra ? 3 : weighted(random, [35, 10, 5, 50])
      // Older conversations of returning contacts end earlier.
      const age = extra ? 30 * DAY + random() * 60 * DAY : random() * 90 * DAY
      conv.lastAt[i] = now - age
      conv.firstMessage[i] = cursor
      let at = conv.lastAt[i]
      for (let k = counts[i] - 1; k >= 0; k--) {
        const j = cursor + k
        msgConv[j] = i
        msgTime[j] = at
        msgDir[j] = k === 0 ? 0 : weighted(random, [55, 42, 3])
        at -= 60_000 + random() * 180 * 60_000
      }
      conv.firstAt[i] = msgTime[cursor]
      cursor += counts[i]
    }

    // Ids follow time, as in production: conversations by first message,
    // messages globally by time (a thread's rows are spread over the table).
    const convOrder = Uint32Array.from({ length: CONVERSATIONS }, (_, i) => i).sort(
      (a, b) => conv.firstAt[a] - conv.firstAt[b]
    )
    const conversationBase = Number(
      (await database('conversations').max('id as max').first()).max ?? 0
    )
    const convId = new Int32Array(CONVERSATIONS)
    convOrder.forEach((i, rank) => (convId[i] = conversationBase + rank + 1))
    const msgOrder = Uint32Array.from({ length: MESSAGES }, (_, j) => j).sort(
      (a, b) => msgTime[a] - msgTime[b]
    )
    const messageBase = Number((await database('messages').max('id as max').first()).max ?? 0)

    const languageOf = (i) => contactLanguage[conv.contact[i]]
    const assigneeOf = new Float64Array(CONVERSATIONS)
    const channelOf = new Float64Array(CONVERSATIONS)
    // Replies and notes come from the assignee, else from the owner.
    const userOf = (i) => assigneeOf[i] || owner.id

    inserter = bulkInserter(database, 'conversations', 1000)
    const tagRows = []
    for (const i of convOrder) {
      const status = ['open', 'pending', 'snoozed', 'resolved'][conv.status[i]]
      const assigneeDraw = random()
      const assignee = assigneeDraw < 0.3 ? agent.id : assigneeDraw < 0.55 ? owner.id : null
      assigneeOf[i] = assignee ?? 0
      channelOf[i] = sandbox && random() < 0.1 ? sandbox.id : meta.id
      const first = conv.firstMessage[i]
      const last = first + counts[i] - 1
      let unread = 0
      if (status !== 'resolved') {
        for (let j = last; j >= first && msgDir[j] === 0; j--) unread++
      }
      let lastInbound = null
      let firstResponse = null
      let replies = 0
      for (let j = first; j <= last; j++) {
        if (msgDir[j] === 0) lastInbound = msgTime[j]
        if (msgDir[j] === 1) {
          replies++
          if (firstResponse === null) firstResponse = msgTime[j]
        }
      }
      let lastDir = last
      while (lastDir > first && msgDir[lastDir] === 2) lastDir--
      const preview = bodyOf(last, languageOf(i)).slice(0, 255)
      const resolvedAt = status === 'resolved' ? conv.lastAt[i] + 600_000 : null
      await inserter.push({
        id: convId[i],
        public_id: ulid(conv.firstAt[i]),
        workspace_id: ws,
        contact_id: contactBase + conv.contact[i] + 1,
        channel_id: channelOf[i],
        status,
        unread_count: unread,
        last_message_at: sqlAt(conv.lastAt[i]),
        last_inbound_at: lastInbound === null ? null : sqlAt(lastInbound),
        created_at: sqlAt(conv.firstAt[i]),
        updated_at: sqlAt(conv.lastAt[i]),
        assignee_id: assignee,
        team_id: random() < 0.6 ? teams[Math.floor(random() * teams.length)] : null,
        priority: weighted(random, [60, 10, 15, 10, 5]),
        snoozed_until: status === 'snoozed' ? sqlAt(now + random() * 72 * 3600_000) : null,
        last_message_preview: preview,
        last_message_direction: ['in', 'out', 'note'][msgDir[last]],
        language: languageOf(i),
        first_response_at: firstResponse === null ? null : sqlAt(firstResponse),
        first_response_seconds:
          firstResponse === null ? null : Math.round((firstResponse - conv.firstAt[i]) / 1000),
        resolved_at: resolvedAt === null ? null : sqlAt(resolvedAt),
        resolution_seconds:
          resolvedAt === null ? null : Math.round((resolvedAt - conv.firstAt[i]) / 1000),
        agent_reply_count: replies,
        reopen_count: random() < 0.05 ? 1 : 0,
      })
      // ~25% of conversations carry 1-3 tags, the first tags more often.
      if (random() < 0.25) {
        const chosen = new Set()
        const howMany = 1 + weighted(random, [70, 22, 8])
        while (chosen.size < Math.min(howMany, tags.length)) {
          chosen.add(tags[weighted(random, [30, 20, 15, 10, 10, 7, 5, 3])] ?? tags[0])
        }
        for (const tagId of chosen) {
          tagRows.push({
            workspace_id: ws,
            conversation_id: convId[i],
            tag_id: tagId,
            created_at: nowSql,
          })
        }
      }
    }
    await inserter.flush()
    inserter = bulkInserter(database, 'conversation_tags')
    for (const row of tagRows) await inserter.push(row)
    await inserter.flush()
    console.log(
      `  conversations: ${CONVERSATIONS}, conversation tags: ${tagRows.length} (${((performance.now() - started) / 1000).toFixed(1)} s)`
    )

    inserter = bulkInserter(database, 'messages', 2000)
    let done = 0
    for (let rank = 0; rank < MESSAGES; rank++) {
      const j = msgOrder[rank]
      const i = msgConv[j]
      const at = msgTime[j]
      const atSql = sqlAt(at)
      const direction = ['in', 'out', 'note'][msgDir[j]]
      const draw = (j * 7919) % 100
      const status =
        direction === 'in'
          ? 'received'
          : direction === 'note'
            ? 'sent'
            : draw < 70
              ? 'read'
              : draw < 90
                ? 'delivered'
                : draw < 98
                  ? 'sent'
                  : 'failed'
      const out = direction === 'out'
      await inserter.push({
        id: messageBase + rank + 1,
        public_id: ulid(at),
        workspace_id: ws,
        conversation_id: convId[i],
        channel_id: channelOf[i],
        direction,
        provider_message_id: direction === 'note' ? null : `wamid.seed.${j}`,
        type: 'text',
        body: bodyOf(j, languageOf(i)),
        payload: '{}',
        status,
        error_code: status === 'failed' ? 131047 : null,
        error_title: status === 'failed' ? 'Re-engagement message' : null,
        attempts: out ? 1 : 0,
        sent_by_id: direction === 'in' ? null : userOf(i),
        provider_timestamp: direction === 'in' ? atSql : null,
        sent_at: out && status !== 'failed' ? atSql : null,
        delivered_at:
          out && (status === 'read' || status === 'delivered') ? sqlAt(at + 2000) : null,
        read_at: out && status === 'read' ? sqlAt(at + 60_000) : null,
        failed_at: status === 'failed' ? sqlAt(at + 1000) : null,
        created_at: atSql,
        updated_at: atSql,
      })
      if (++done % 200_000 === 0) {
        console.log(`  messages: ${done} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
      }
    }
    await inserter.flush()
    await database.raw('ANALYZE TABLE contacts, conversations, messages, conversation_tags')
    await database.schema.createTable('bench_seed', (table) => {
      table.increments('id')
      table.integer('conversations').notNullable()
      table.integer('messages').notNullable()
      table.integer('version').notNullable()
      table.float('seed_seconds').notNullable()
      table.string('phone_number_id', 64).notNullable()
      table.timestamp('seeded_at').notNullable()
    })
    const seconds = (performance.now() - started) / 1000
    await database('bench_seed').insert({
      conversations: CONVERSATIONS,
      messages: MESSAGES,
      version: SEED_VERSION,
      seed_seconds: seconds,
      phone_number_id: phoneNumberId,
      seeded_at: nowSql,
    })
    console.log(`seeded in ${seconds.toFixed(1)} s`)
    return seconds
  } finally {
    await database.destroy()
  }
}

// ---------------------------------------------------------------------------
// HTTP as the agent
// ---------------------------------------------------------------------------

const login = (email) => loginAs(BASE, email, PASSWORD)

/**
 * Runs `count` GETs built by `pathFor(i)`, `CONCURRENCY` at a time, after
 * WARMUP unmeasured ones. Returns sorted latencies and errors.
 */
async function measure(session, name, pathFor, count = REQUESTS) {
  const errors = []
  const latencies = []
  const run = async (total, record) => {
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < total) {
          const i = next++
          const path = pathFor(i)
          const t0 = performance.now()
          const response = await session.request(path, { headers: { accept: 'application/json' } })
          const text = await response.text()
          const elapsed = performance.now() - t0
          if (response.status !== 200) {
            errors.push({ path, status: response.status, body: text.slice(0, 200) })
          } else if (record) latencies.push(elapsed)
        }
      })
    )
  }
  await run(Math.min(WARMUP, count), false)
  if (errors.length >= Math.min(WARMUP, count)) {
    console.log(`${name}: every warm-up request failed, e.g. ${JSON.stringify(errors[0])}`)
    return { name, latencies: [], errors: errors.length, sample: errors[0] }
  }
  errors.length = 0
  const logFrom = QUERY_LOG && existsSync(QUERY_LOG) ? statSync(QUERY_LOG).size : 0
  const cpuBefore = cpuMs(processes.web)
  await run(count, true)
  const cpuAfter = cpuMs(processes.web)
  if (QUERY_LOG) await explainQueries(QUERY_LOG, name, logFrom, count)
  latencies.sort((a, b) => a - b)
  const result = {
    name,
    latencies,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    max: latencies.at(-1),
    webCpuMs: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / count,
    errors: errors.length,
    sample: errors[0],
  }
  console.log(
    `${name}: p50 ${round(result.p50)} ms, p95 ${round(result.p95)} ms, max ${round(result.max)} ms` +
      ` over ${latencies.length} requests (concurrency ${CONCURRENCY}),` +
      ` web server CPU ${round(result.webCpuMs, 1)} ms per request` +
      (errors.length ? `, ${errors.length} errors e.g. ${JSON.stringify(errors[0])}` : '')
  )
  return result
}

/** Set in main(): the connection EXPLAIN runs on, and the processes whose CPU time is counted. */
let explainDatabase = null
const processes = { web: null, worker: null }

/**
 * The statements the web server ran for one endpoint (from the query log,
 * since byte `from`), grouped by shape: count per request, mean and p95
 * time; EXPLAIN of the slowest instance of the three costliest shapes.
 */
async function explainQueries(file, name, from, requests) {
  await sleep(300)
  const text = readFileSync(file, 'utf8').slice(from)
  const groups = new Map()
  for (const line of text.split('\n')) {
    if (!line) continue
    const { ms, sql } = JSON.parse(line)
    const shape = sql
      .replace(/'(?:[^'\\]|\\.)*'/g, '?')
      .replace(/\b\d+(\.\d+)?\b/g, '?')
      .replace(/\?(\s*,\s*\?)+/g, '?…')
    const group = groups.get(shape) ?? { shape, times: [], slowest: null }
    group.times.push(ms)
    if (!group.slowest || ms > group.slowest.ms) group.slowest = { ms, sql }
    groups.set(shape, group)
  }
  const ranked = [...groups.values()]
    .map((group) => ({ ...group, total: group.times.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total)
  const statements = ranked.reduce((sum, group) => sum + group.times.length, 0)
  const sqlMs = ranked.reduce((sum, group) => sum + group.total, 0)
  console.log(
    `  SQL of ${name}: ${(statements / requests).toFixed(1)} statements per request, ` +
      `${round(sqlMs / requests, 1)} ms of query time per request (summed, as seen by the driver); costliest first:`
  )
  for (const group of ranked.slice(0, 6)) {
    const times = group.times.sort((a, b) => a - b)
    console.log(
      `    ${(group.times.length / requests).toFixed(1)}× mean ${round(group.total / times.length, 2)} ms` +
        ` p95 ${round(percentile(times, 95), 2)} ms: ${group.shape.slice(0, 400)}`
    )
  }
  for (const group of ranked.slice(0, 3)) {
    if (!/^\s*select/i.test(group.slowest.sql)) continue
    const [rows] = await explainDatabase.raw(`EXPLAIN ${group.slowest.sql}`)
    console.log(`  EXPLAIN (${round(group.slowest.ms, 2)} ms): ${group.slowest.sql.slice(0, 600)}`)
    for (const row of rows) {
      console.log(
        `    ${row.select_type} ${row.table} type=${row.type} key=${row.key} rows=${row.rows} ${row.Extra ?? ''}`
      )
    }
  }
}

// ---------------------------------------------------------------------------
// Webhook to agent
// ---------------------------------------------------------------------------

/** An SSE client: records when each pushed message public id arrives. */
async function openEvents(session, channel) {
  const uid = randomUUID()
  const arrivals = new Map()
  const controller = new AbortController()
  const response = await fetch(`${BASE}/__transmit/events?uid=${uid}`, {
    headers: session.headers({ accept: 'text/event-stream' }),
    signal: controller.signal,
  })
  if (response.status !== 200) throw new Error(`SSE connection refused: ${response.status}`)
  const reading = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of response.body) {
        const at = performance.now()
        buffer += decoder.decode(chunk, { stream: true })
        let end
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n')
          if (!data) continue
          let event
          try {
            event = JSON.parse(data)
          } catch {
            continue
          }
          if (event.channel !== channel) continue
          for (const item of event.payload?.items ?? []) {
            if (item.kind === 'message.received' && !arrivals.has(item.message)) {
              arrivals.set(item.message, at)
            }
          }
        }
      }
    } catch (error) {
      if (error.name !== 'AbortError') throw error
    }
  })()
  const subscribed = await session.request('/__transmit/subscribe', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uid, channel }),
  })
  await subscribed.arrayBuffer()
  if (subscribed.status !== 204)
    throw new Error(`subscribe to ${channel} refused: ${subscribed.status}`)
  return {
    arrivals,
    close: async () => {
      controller.abort()
      await reading.catch(() => {})
    },
  }
}

async function webhookToAgent(database, session, state) {
  const ws = state.workspace.id
  const agent = await database('users').where('email', AGENT_EMAIL).first()
  const meta = await database('channels').where('phone_number_id', state.phone_number_id).first()
  const pool = await database('conversations as c')
    .join('contacts as p', 'p.id', 'c.contact_id')
    .where({
      'c.workspace_id': ws,
      'c.assignee_id': agent.id,
      'c.status': 'open',
      'c.channel_id': meta.id,
    })
    .select('p.wa_id', 'p.profile_name', 'c.public_id')
    .limit(20_000)
  if (!pool.length)
    throw new Error('no open conversation assigned to the agent on the Meta channel')
  const channel = `workspaces/${state.workspace.public_id}/inbox`
  const events = await openEvents(session, channel)
  const total = Math.round(RATE * LATENCY_SECONDS)
  const runId = randomBytes(3).toString('hex')
  const random = rng(Date.now() & 0xffffffff)
  // Shuffle so consecutive messages go to different conversations.
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
  }
  let sequence = 0
  /** Posts `count` one-message webhooks at RATE per second; resolves when all are answered. */
  async function fire(count, phase) {
    const sends = []
    const posts = []
    const started = performance.now()
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / RATE
      const wait = due - performance.now()
      if (wait > 1) await sleep(wait)
      const n = sequence++
      const target = pool[n % pool.length]
      const send = { wamid: `wamid.bench.${runId}.${phase}.${n}`, conversation: target.public_id }
      const body = metaTextWebhook(meta.phone_number_id, [
        {
          waId: target.wa_id,
          name: target.profile_name,
          wamid: send.wamid,
          text: `${bodyOf(n, 'en')} (bench ${runId} #${n})`,
        },
      ])
      sends.push(send)
      send.postedAt = performance.now()
      posts.push(
        fetch(`${BASE}/webhooks/meta`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': hubSignature(SECRET, body),
          },
          body,
        })
          .then(async (response) => {
            send.answeredAt = performance.now()
            send.status = response.status
            await response.arrayBuffer()
          })
          .catch((error) => {
            send.status = 0
            send.error = String(error)
          })
      )
    }
    await Promise.all(posts)
    return { sends, seconds: (performance.now() - started) / 1000 }
  }
  if (LATENCY_WARMUP_SECONDS > 0) {
    console.log(`webhook → agent: ${LATENCY_WARMUP_SECONDS} s warm-up at ${RATE}/s…`)
    await fire(Math.round(RATE * LATENCY_WARMUP_SECONDS), 'warmup')
    // Start measuring with the worker's backlog empty (at most 60 s).
    const drained = performance.now() + 60_000
    while (performance.now() < drained) {
      const [row] = await database('webhook_events').where('status', 'pending').count('* as n')
      if (Number(row.n) === 0) break
      await sleep(200)
    }
    await sleep(1000)
  }
  console.log(
    `webhook → agent: ${total} messages at ${RATE}/s to ${Math.min(total, pool.length)} conversations assigned to the agent…`
  )
  const before = events.arrivals.size
  const workerLogFrom =
    WORKER_QUERY_LOG && existsSync(WORKER_QUERY_LOG) ? statSync(WORKER_QUERY_LOG).size : 0
  // The worker's backlog (deliveries stored, not yet processed), sampled each second.
  const backlog = []
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const [row] = await database('webhook_events').where('status', 'pending').count('* as n')
      backlog.push(Number(row.n))
      await sleep(1000)
    }
  })()
  const cpuBefore = { web: cpuMs(processes.web), worker: cpuMs(processes.worker) }
  const { sends, seconds: sendSeconds } = await fire(total, 'run')
  sampling = false
  await sampler
  const acked = sends.filter((send) => send.status === 200)
  // Wait for the pushes still on their way: until every one arrived, or
  // the worker's backlog has been empty for 5 s (at most 120 s).
  const deadline = performance.now() + 120_000
  let drainedAt = null
  while (events.arrivals.size - before < acked.length && performance.now() < deadline) {
    const [row] = await database('webhook_events').where('status', 'pending').count('* as n')
    if (Number(row.n) > 0) drainedAt = null
    else if (drainedAt === null) drainedAt = performance.now()
    else if (performance.now() - drainedAt > 5000) break
    await sleep(200)
  }
  await sleep(500)
  const cpuAfter = { web: cpuMs(processes.web), worker: cpuMs(processes.worker) }
  await events.close()
  if (WORKER_QUERY_LOG) {
    await explainQueries(WORKER_QUERY_LOG, 'the worker (per inbound message)', workerLogFrom, total)
  }

  const byWamid = new Map()
  for (let start = 0; start < sends.length; start += 1000) {
    const rows = await database('messages')
      .where('workspace_id', ws)
      .whereIn(
        'provider_message_id',
        sends.slice(start, start + 1000).map((send) => send.wamid)
      )
      .select('provider_message_id', 'public_id')
    for (const row of rows) byWamid.set(row.provider_message_id, row.public_id)
  }
  const latencies = []
  const fromPost = []
  const acks = []
  let lost = 0
  let notStored = 0
  let early = 0
  for (const send of acked) {
    acks.push(send.answeredAt - send.postedAt)
    const publicId = byWamid.get(send.wamid)
    if (!publicId) {
      notStored++
      lost++
      continue
    }
    const at = events.arrivals.get(publicId)
    if (at === undefined) {
      lost++
      continue
    }
    if (at < send.answeredAt) early++
    latencies.push(Math.max(0, at - send.answeredAt))
    fromPost.push(at - send.postedAt)
  }
  // Medians per second of the run: a rising trend means the worker falls behind.
  const perSecond = []
  for (let second = 0; second * RATE < acked.length; second++) {
    const slice = latencies.slice(second * RATE, (second + 1) * RATE).sort((a, b) => a - b)
    if (slice.length) perSecond.push(Math.round(percentile(slice, 50)))
  }
  console.log(`webhook → agent: median per second of the run (ms): ${perSecond.join(' ')}`)
  console.log(
    `webhook → agent: deliveries waiting for the worker, each second: ${backlog.join(' ')}`
  )
  for (const list of [latencies, fromPost, acks]) list.sort((a, b) => a - b)
  const result = {
    sent: sends.length,
    acked: acked.length,
    refused: sends.length - acked.length,
    rate: sends.length / sendSeconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    fromPostP95: percentile(fromPost, 95),
    ackP50: percentile(acks, 50),
    ackP95: percentile(acks, 95),
    lost,
    notStored,
    early,
    maxBacklog: Math.max(0, ...backlog),
    workerCpuMs:
      cpuBefore.worker === null ? null : (cpuAfter.worker - cpuBefore.worker) / sends.length,
    webCpuMs: cpuBefore.web === null ? null : (cpuAfter.web - cpuBefore.web) / sends.length,
  }
  console.log(
    `webhook → agent: p50 ${round(result.p50)} ms, p95 ${round(result.p95)} ms, p99 ${round(result.p99)} ms ` +
      `(from 200 answer to SSE event; ${latencies.length} matched, ${lost} lost, ${notStored} not stored, ` +
      `${result.refused} refused, ${early} pushed before the answer); sent at ${round(result.rate)}/s, ` +
      `ack p50 ${round(result.ackP50)} ms p95 ${round(result.ackP95)} ms`
  )
  console.log(
    `webhook → agent: CPU per inbound message: worker ${round(result.workerCpuMs, 2)} ms, ` +
      `web server ${round(result.webCpuMs, 2)} ms (so one worker saturates one core at about ` +
      `${result.workerCpuMs ? Math.round(1000 / result.workerCpuMs) : '?'} messages/s)`
  )
  return result
}

// ---------------------------------------------------------------------------

async function main() {
  execFileSync('mysqladmin', ['-uroot', '-h127.0.0.1', 'ping'], { stdio: 'ignore' })
  mysql(`CREATE DATABASE IF NOT EXISTS \`${DATABASE}\``)
  const bufferPoolMb = mariadbBufferPool(BUFFER_POOL_MB)
  let database = connect()
  let state = await seedState(database)
  await database.destroy()
  let seedSeconds = null
  const reusable =
    state &&
    !RESEED &&
    state.version === SEED_VERSION &&
    state.conversations === CONVERSATIONS &&
    state.messages === MESSAGES
  if (reusable) {
    console.log(
      `reusing ${DATABASE} (${CONVERSATIONS} conversations, ${MESSAGES} messages seeded ${state.seeded_at.toISOString?.() ?? state.seeded_at}; BENCH_RESEED=1 to seed again)`
    )
    ace(['migration:run', '--force', '--disable-locks'])
  } else {
    seedSeconds = await seed()
  }
  database = connect()
  state = await seedState(database)
  const ws = state.workspace.id

  await assertPortFree(PORT)
  explainDatabase = database
  if (QUERY_LOG) rmSync(QUERY_LOG, { force: true })
  if (WORKER_QUERY_LOG) rmSync(WORKER_QUERY_LOG, { force: true })
  const web = (processes.web = startWeb(env))
  const worker = (processes.worker = startWorker(
    WORKER_QUERY_LOG ? { ...env, BENCH_QUERY_LOG: WORKER_QUERY_LOG } : env,
    ['--concurrency=4']
  ))
  try {
    await waitForHttp(`${BASE}/health`)
    const session = await login(AGENT_EMAIL)
    const supervisor = await login(OWNER_EMAIL)
    const prefix = `/w/${SLUG}/inbox/conversations`

    const tag = await database('tags').where({ workspace_id: ws, name: 'bench-billing' }).first()
    const filtered = `?view=all&status=open&priority=2&tags=${tag.public_id}&unread=1`
    // Threads the agent may open: assigned to them, unassigned, or their teams'.
    const agentId = (await database('users').where('email', AGENT_EMAIL).first()).id
    const teamIds = (
      await database('team_members').where({ workspace_id: ws, user_id: agentId })
    ).map((row) => row.team_id)
    const ids = (
      await database('conversations')
        .where('workspace_id', ws)
        .where((where) =>
          where
            .where('assignee_id', agentId)
            .orWhereNull('assignee_id')
            .orWhereIn('team_id', teamIds)
        )
        .select('public_id')
        .orderBy('id')
    ).map((row) => row.public_id)
    const random = rng(7)

    const loadAtStart = os.loadavg()[0]
    const skipped = { latencies: [], errors: 0 }
    const requests = PHASES.includes('requests')
    const list = requests
      ? await measure(session, 'list (agent, default view: Mine, open)', () => prefix)
      : skipped
    const listAll = requests
      ? await measure(supervisor, 'list (supervisor, default view: All, open)', () => prefix)
      : skipped
    const filter = requests
      ? await measure(
          supervisor,
          `filtered (supervisor, ${filtered})`,
          () => `${prefix}${filtered}`
        )
      : skipped
    const search = requests
      ? await measure(
          supervisor,
          'search (supervisor, ?view=all&q=<word in ~0.1% of messages>)',
          (i) => `${prefix}?view=all&q=${RARE[i % RARE.length]}`
        )
      : skipped
    const thread = requests
      ? await measure(
          session,
          'thread (agent, /conversations/<id>/messages of random visible conversations)',
          () => `${prefix}/${ids[Math.floor(random() * ids.length)]}/messages`
        )
      : skipped
    const latency = PHASES.includes('latency')
      ? await webhookToAgent(database, session, state)
      : { refused: 0 }

    const ratio = (value, target) => (value === undefined ? null : round(value / target, 2))
    const line = {
      bench: 'inbox',
      conversations: state.conversations,
      messages: state.messages,
      list_p95_ms: round(list.p95) ?? null,
      filtered_p95_ms: round(filter.p95) ?? null,
      search_p95_ms: round(search.p95) ?? null,
      thread_p95_ms: round(thread.p95) ?? null,
      webhook_to_agent_p95_ms: round(latency.p95) ?? null,
      list_all_p95_ms: round(listAll.p95) ?? null,
      list_p50_ms: round(list.p50) ?? null,
      list_all_p50_ms: round(listAll.p50) ?? null,
      filtered_p50_ms: round(filter.p50) ?? null,
      search_p50_ms: round(search.p50) ?? null,
      thread_p50_ms: round(thread.p50) ?? null,
      webhook_to_agent_p50_ms: round(latency.p50) ?? null,
      webhook_to_agent_p99_ms: round(latency.p99) ?? null,
      webhook_ack_p95_ms: round(latency.ackP95) ?? null,
      worker_max_backlog: latency.maxBacklog ?? null,
      worker_cpu_ms_per_message: round(latency.workerCpuMs, 2) ?? null,
      list_web_cpu_ms: round(list.webCpuMs, 1) ?? null,
      list_all_web_cpu_ms: round(listAll.webCpuMs, 1) ?? null,
      filtered_web_cpu_ms: round(filter.webCpuMs, 1) ?? null,
      search_web_cpu_ms: round(search.webCpuMs, 1) ?? null,
      thread_web_cpu_ms: round(thread.webCpuMs, 1) ?? null,
      // 1-minute load average when measuring started and ended (2 cores: above 2 means contention).
      load_average_1m: [round(loadAtStart, 1), round(os.loadavg()[0], 1)],
      buffer_pool_mb: bufferPoolMb,
      webhooks_sent: latency.sent,
      webhook_rate_per_s: round(latency.rate),
      lost: latency.lost,
      http_errors:
        list.errors +
        listAll.errors +
        filter.errors +
        search.errors +
        thread.errors +
        latency.refused,
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      seed_seconds: seedSeconds === null ? null : round(seedSeconds),
      reused_seed: seedSeconds === null,
      target_list_p95_ms: TARGETS.list,
      target_thread_p95_ms: TARGETS.thread,
      target_webhook_to_agent_p95_ms: TARGETS.webhook_to_agent,
      list_ratio_to_target: ratio(list.p95, TARGETS.list),
      list_all_ratio_to_target: ratio(listAll.p95, TARGETS.list),
      filtered_ratio_to_target: ratio(filter.p95, TARGETS.list),
      search_ratio_to_target: ratio(search.p95, TARGETS.list),
      thread_ratio_to_target: ratio(thread.p95, TARGETS.thread),
      webhook_to_agent_ratio_to_target: ratio(latency.p95, TARGETS.webhook_to_agent),
    }
    const over = Object.entries(line)
      .filter(([key, value]) => key.endsWith('_ratio_to_target') && value !== null && value > 1)
      .map(([key]) => key.replace('_ratio_to_target', ''))
    console.log(
      over.length
        ? `above target: ${over.join(', ')}`
        : 'every measured figure is within its target'
    )
    console.log(JSON.stringify(line))
  } finally {
    await Promise.all([stopChild(web), stopChild(worker)])
    await database.destroy()
  }
}

await main()
