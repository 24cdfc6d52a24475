/**
 * npm run bench:contacts — the contacts CRM at scale (issue 6 §7), on MariaDB.
 *
 * 1. Generates a CSV of BENCH_ROWS contacts (default 1,000,000): phone
 *    (half international, half national with the default country), name,
 *    email, country, and four custom fields (plan: dropdown, orders:
 *    number, signed_up: date, vip: checkbox) plus a tags column.
 * 2. On a fresh database (`node ace migration:run`, `user:create`,
 *    `workspace:create`, four custom fields inserted), imports it with `node ace contacts:import` — the same
 *    streaming import the panel's background job runs — and measures rows/s
 *    and the importing process's peak RSS (VmHWM, Linux).
 * 3. Gives the contacts engagement figures (messages in, last inbound) with
 *    one UPDATE, starts Parley's web server, logs in as the owner and
 *    measures the segment count endpoint (`POST /contacts/segments/count`,
 *    what the builder calls while you edit) for three definitions: one on
 *    custom fields, one with nested OR groups and a NOT, one on engagement.
 *    BENCH_COUNTS requests each after a warm-up; p95 over all of them.
 * 4. Exports every contact to CSV with `node ace contacts:export` (the
 *    background export's code) and measures rows/s.
 * 5. Ends with one line of JSON.
 *
 * Targets (issue 6): import >= 20,000 rows/s with RSS < 300 MB, segment
 * count p95 <= 300 ms.
 *
 * Knobs: BENCH_ROWS (1000000), BENCH_COUNTS (20), BENCH_PORT (3460),
 * BENCH_DATABASE (parley_bench_contacts), BENCH_PHASES (import,segments,export),
 * BENCH_BUILD (1: measure the production build; 0: the development loader),
 * BENCH_BUFFER_POOL_MB (1024, the compose default; 0: leave the server's).
 */
import { execFileSync, spawn } from 'node:child_process'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { once } from 'node:events'
import knex from 'knex'
import {
  ROOT,
  assertPortFree,
  loginAs,
  percentile,
  round,
  startWeb,
  stopChild,
  waitForHttp,
} from './lib/parley.mjs'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const COUNTS = Number(process.env.BENCH_COUNTS ?? 20)
const PORT = Number(process.env.BENCH_PORT ?? 3460)
const DATABASE = process.env.BENCH_DATABASE ?? 'parley_bench_contacts'
const USE_BUILD = process.env.BENCH_BUILD !== '0'
const BUFFER_POOL_MB = Number(process.env.BENCH_BUFFER_POOL_MB ?? 1024)
const PHASES = (process.env.BENCH_PHASES ?? 'import,segments,export').split(',')
const BASE = `http://127.0.0.1:${PORT}`
const SLUG = 'bench-contacts'
const OWNER_EMAIL = 'owner@bench-contacts.test'
const PASSWORD = 'bench-pass-1'
const TARGETS = { import_rows_per_s: 20_000, import_peak_rss_mb: 300, segment_p95_ms: 300 }

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
  QUEUE_DRIVER: 'database',
  DB_CONNECTION: 'mysql',
  DB_HOST: '127.0.0.1',
  DB_PORT: '3306',
  DB_USER: 'root',
  DB_PASSWORD: '',
  DB_DATABASE: DATABASE,
  REDIS_HOST: '127.0.0.1',
}

function ace(args) {
  try {
    return execFileSync('node', ['ace', ...args], { cwd: ROOT, env, stdio: 'pipe' }).toString()
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim()
    throw new Error(`node ace ${args.join(' ')} failed:\n${output}`)
  }
}
const mysql = (sql) => execFileSync('mysql', ['-uroot', '-h127.0.0.1', '-e', sql])

function connect() {
  return knex({
    client: 'mysql2',
    connection: { host: '127.0.0.1', user: 'root', password: '', database: DATABASE, timezone: 'Z' },
    pool: { min: 0, max: 2 },
  })
}

/** A deterministic PRNG (mulberry32) so every run imports the same file. */
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FIRST = ['Asha', 'Ravi', 'Meera', 'Omar', 'Lena', 'Jon', 'Sara', 'Ken', 'Ada', 'Noor']
const LAST = ['Patel', 'Khan', 'Silva', 'Smith', 'Garcia', 'Ito', 'Rossi', 'Nair', 'Haddad', 'Berg']
const PLANS = ['free', 'silver', 'gold', 'platinum']

/** Writes the CSV (once per size; reused by later runs). */
async function generateCsv(path) {
  if (existsSync(path)) return
  console.log(`generating ${path} (${ROWS} rows)…`)
  const random = prng(6)
  const out = createWriteStream(path)
  const write = async (line) => {
    if (!out.write(line)) await once(out, 'drain')
  }
  await write('Phone,Name,Email,Country,Plan,Orders,Signed up,VIP,Tags\n')
  for (let i = 0; i < ROWS; i++) {
    // Indian mobile numbers (+91 9x…): valid in libphonenumber's plan, unique per row.
    const national = `9${String(100_000_000 + i).padStart(9, '0')}`
    const phone = i % 2 ? `+91 ${national.slice(0, 5)} ${national.slice(5)}` : `0${national}`
    const name = `${FIRST[i % 10]} ${LAST[Math.floor(i / 10) % 10]}`
    const email = i % 3 ? `user${i}@example.test` : ''
    const plan = PLANS[Math.floor(random() * PLANS.length)]
    const orders = Math.floor(random() * 50)
    const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 700) * 86_400_000)
    const vip = random() < 0.1 ? 'yes' : 'no'
    const tags = random() < 0.2 ? '"newsletter,retail"' : random() < 0.5 ? 'retail' : ''
    await write(
      `${phone},${name},${email},IN,${plan},${orders},${day.toISOString().slice(0, 10)},${vip},${tags}\n`
    )
  }
  out.end()
  await once(out, 'finish')
}

/**
 * The measured commands run from the production build (`node ace build`,
 * what `npm start` and the docker image run): under the development
 * loader, compiling TypeScript alone takes about 300 MB, which would hide
 * the import's own memory. BENCH_BUILD=0 skips the build and uses it.
 */
function buildApp() {
  if (!USE_BUILD) return
  console.log('building the app (node ace build)…')
  execFileSync('node', ['ace', 'build'], { cwd: ROOT, env, stdio: 'pipe' })
  if (!existsSync(`${ROOT}build/node_modules`)) symlinkSync('../node_modules', `${ROOT}build/node_modules`)
}

/** Runs `node ace <args>` and samples its peak RSS (VmHWM) while it runs. */
async function runMeasured(args) {
  const child = USE_BUILD
    ? spawn('node', ['ace.js', ...args], { cwd: `${ROOT}build`, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('node', ['ace', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  let peakKb = 0
  let cpuTicks = 0
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const match = /VmHWM:\s+(\d+) kB/.exec(status)
      if (match) peakKb = Math.max(peakKb, Number(match[1]))
      cpuTicks = processTicks(child.pid) ?? cpuTicks
    } catch {}
  }
  const timer = setInterval(sample, 100)
  const started = performance.now()
  const [code] = await once(child, 'exit')
  clearInterval(timer)
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) throw new Error(`node ace ${args.join(' ')} exited ${code}:\n${output}`)
  return { seconds, peakMb: peakKb / 1024, output, cpuSeconds: cpuTicks / CLOCK_TICKS }
}

const CLOCK_TICKS = 100

/** User + system CPU ticks of a process (Linux /proc), or null. */
function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return null
  }
}

/** The local MariaDB server's CPU ticks (null when it is not on this machine). */
function mariadbTicks() {
  try {
    const pid = execFileSync('pgrep', ['-x', 'mariadbd']).toString().trim().split('\n')[0]
    return pid ? processTicks(pid) : null
  } catch {
    return null
  }
}

/**
 * The docker compose stack gives MariaDB a 1 GB buffer pool
 * (DB_BUFFER_POOL_SIZE); a stock server has 128 MB. The bench runs with the
 * compose value (BENCH_BUFFER_POOL_MB, 0 = leave the server alone) and
 * prints what it used.
 */
function bufferPool() {
  if (BUFFER_POOL_MB > 0) mysql(`SET GLOBAL innodb_buffer_pool_size = ${BUFFER_POOL_MB * 1048576}`)
  const out = execFileSync('mysql', [
    '-uroot',
    '-h127.0.0.1',
    '-N',
    '-e',
    'SELECT @@innodb_buffer_pool_size',
  ]).toString()
  return Math.round(Number(out.trim()) / 1048576)
}

async function setup() {
  mysql(`DROP DATABASE IF EXISTS \`${DATABASE}\`; CREATE DATABASE \`${DATABASE}\``)
  ace(['migration:run', '--force', '--disable-locks'])
  ace(['user:create', OWNER_EMAIL, '--name=Bench Owner', `--password=${PASSWORD}`])
  ace([
    'workspace:create',
    'Bench contacts',
    `--slug=${SLUG}`,
    `--owner=${OWNER_EMAIL}`,
    '--plan=business',
  ])
  const database = connect()
  try {
    const workspace = await database('workspaces').where('slug', SLUG).first()
    await database('workspaces').where('id', workspace.id).update({ default_country: 'IN' })
    // No plan limit on contacts for the bench.
    await database('plans').where('id', workspace.plan_id).update({ max_contacts: null })
    // The four custom fields the file's columns map to (by key).
    const now = new Date()
    const fields = [
      ['plan', 'Plan', 'dropdown', JSON.stringify(PLANS)],
      ['orders', 'Orders', 'number', null],
      ['signed_up', 'Signed up', 'date', null],
      ['vip', 'VIP', 'checkbox', null],
    ]
    await database('custom_fields').insert(
      fields.map(([key, label, type, options], position) => ({
        public_id: `01BENCHFIELD${String(position).padStart(14, '0')}`,
        workspace_id: workspace.id,
        key,
        label,
        type,
        options,
        required: false,
        position,
        created_at: now,
        updated_at: now,
      }))
    )
  } finally {
    await database.destroy()
  }
}

const DEFINITIONS = {
  custom_field: {
    type: 'group',
    match: 'all',
    conditions: [
      { type: 'custom_field', key: 'plan', op: 'eq', value: 'gold' },
      { type: 'custom_field', key: 'orders', op: 'gt', value: 25 },
    ],
  },
  nested_or: {
    type: 'group',
    match: 'any',
    conditions: [
      {
        type: 'group',
        match: 'all',
        conditions: [
          { type: 'custom_field', key: 'vip', op: 'eq', value: true },
          { type: 'tag', op: 'has', tag: 'newsletter' },
        ],
      },
      {
        type: 'group',
        match: 'all',
        conditions: [
          { type: 'custom_field', key: 'plan', op: 'eq', value: 'platinum' },
          { type: 'custom_field', key: 'signed_up', op: 'after', value: '2025-01-01' },
          { type: 'tag', op: 'has', tag: 'retail', negate: true },
        ],
      },
    ],
  },
  engagement: {
    type: 'group',
    match: 'all',
    conditions: [
      { type: 'engagement', metric: 'last_inbound_at', op: 'within_days', value: 30 },
      { type: 'engagement', metric: 'messages_in', op: 'gte', value: 10 },
    ],
  },
}

async function main() {
  await assertPortFree(PORT)
  const dir = `${ROOT}tmp/bench`
  mkdirSync(dir, { recursive: true })
  const csv = `${dir}/contacts-${ROWS}.csv`
  await generateCsv(csv)
  const result = { bench: 'contacts', rows: ROWS, buffer_pool_mb: bufferPool() }
  console.log(`MariaDB buffer pool: ${result.buffer_pool_mb} MB`)
  if (PHASES.includes('import') || PHASES.includes('export')) buildApp()

  if (PHASES.includes('import')) {
    console.log('fresh database, workspace and custom fields…')
    await setup()
    console.log(`importing ${ROWS} rows (${round(statSync(csv).size / 1048576)} MB)…`)
    const dbTicks = mariadbTicks()
    const run = await runMeasured(['contacts:import', SLUG, csv, '--json'])
    const dbTicksAfter = mariadbTicks()
    if (process.env.BENCH_SHOW_OUTPUT) console.log(run.output.trim())
    const summary = JSON.parse(run.output.trim().split('\n').pop())
    if (summary.created !== ROWS) {
      throw new Error(`expected ${ROWS} contacts created, got ${JSON.stringify(summary)}`)
    }
    // The import itself (runImport), without the process's boot.
    result.import_seconds = summary.seconds
    result.import_rows_per_s = Math.round(ROWS / summary.seconds)
    result.import_process_seconds = round(run.seconds, 1)
    result.import_peak_rss_mb = round(run.peakMb, 0)
    // CPU per row: the importing process (boot included) and MariaDB (anything else it served too).
    result.import_node_cpu_us_per_row = round((run.cpuSeconds * 1e6) / ROWS, 1)
    if (dbTicks !== null && dbTicksAfter !== null) {
      result.import_mariadb_cpu_us_per_row = round(((dbTicksAfter - dbTicks) / CLOCK_TICKS) * 1e6 / ROWS, 1)
    }
    console.log(
      `import: ${result.import_rows_per_s} rows/s (${result.import_seconds} s; ${result.import_process_seconds} s with the process's start), peak RSS ${result.import_peak_rss_mb} MB, CPU per row: node ${result.import_node_cpu_us_per_row} µs, mariadbd ${result.import_mariadb_cpu_us_per_row ?? '?'} µs, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`
    )
  }

  if (PHASES.includes('segments')) {
    const database = connect()
    try {
      const workspace = await database('workspaces').where('slug', SLUG).first()
      // Engagement: a spread of message counts and last-inbound times.
      await database.raw(
        `UPDATE contacts SET messages_in = id % 40,
           last_inbound_at = DATE_SUB(UTC_TIMESTAMP(), INTERVAL (id % 120) DAY)
         WHERE workspace_id = ?`,
        [workspace.id]
      )
      // MariaDB keeps no column histograms until told to; without them it
      // drives a count from a secondary index (seconds) instead of a scan
      // (a quarter of a second). A DBA runs this after a bulk import.
      const analyzeStarted = performance.now()
      await database.raw(
        'ANALYZE TABLE contacts, contact_field_values, contact_tags PERSISTENT FOR ALL'
      )
      result.analyze_seconds = round((performance.now() - analyzeStarted) / 1000, 1)
      console.log(`ANALYZE … PERSISTENT FOR ALL: ${result.analyze_seconds} s`)
    } finally {
      await database.destroy()
    }
    const web = startWeb(env)
    try {
      await waitForHttp(`${BASE}/health`, 90)
      const session = await loginAs(BASE, OWNER_EMAIL, PASSWORD)
      const count = async (definition) => {
        const t0 = performance.now()
        const response = await session.request(`/w/${SLUG}/contacts/segments/count`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'accept': 'application/json' },
          body: JSON.stringify({ definition }),
        })
        const body = await response.json()
        if (response.status !== 200) throw new Error(`count ${response.status}: ${JSON.stringify(body)}`)
        return { ms: performance.now() - t0, count: body.count }
      }
      const all = []
      result.segments = {}
      for (const [name, definition] of Object.entries(DEFINITIONS)) {
        for (let i = 0; i < 3; i++) await count(definition)
        const latencies = []
        let matched = 0
        for (let i = 0; i < COUNTS; i++) {
          const { ms, count: total } = await count(definition)
          latencies.push(ms)
          matched = total
        }
        latencies.sort((a, b) => a - b)
        all.push(...latencies)
        result.segments[name] = { matched, p50_ms: round(percentile(latencies, 50)), p95_ms: round(percentile(latencies, 95)) }
        console.log(`segment ${name}: ${matched} contacts, p50 ${result.segments[name].p50_ms} ms, p95 ${result.segments[name].p95_ms} ms`)
      }
      all.sort((a, b) => a - b)
      result.segment_p95_ms = round(percentile(all, 95))
    } finally {
      await stopChild(web)
    }
  }

  if (PHASES.includes('export')) {
    const run = await runMeasured(['contacts:export', SLUG, '--json'])
    const summary = JSON.parse(run.output.trim().split('\n').pop())
    result.export_rows = summary.rows
    result.export_seconds = round(run.seconds, 1)
    result.export_rows_per_s = Math.round(summary.rows / run.seconds)
    result.export_peak_rss_mb = round(run.peakMb, 0)
    console.log(`export: ${summary.rows} rows, ${result.export_rows_per_s} rows/s, peak RSS ${result.export_peak_rss_mb} MB`)
  }

  const ratio = (value, target) => (value === undefined ? null : round(value / target, 2))
  result.import_ratio_to_target = ratio(result.import_rows_per_s, TARGETS.import_rows_per_s)
  result.rss_ratio_to_target = ratio(result.import_peak_rss_mb, TARGETS.import_peak_rss_mb)
  result.segment_ratio_to_target = ratio(result.segment_p95_ms, TARGETS.segment_p95_ms)
  console.log(
    `targets: import >= ${TARGETS.import_rows_per_s} rows/s (ratio ${result.import_ratio_to_target}), RSS < ${TARGETS.import_peak_rss_mb} MB (ratio ${result.rss_ratio_to_target}), segment p95 <= ${TARGETS.segment_p95_ms} ms (ratio ${result.segment_ratio_to_target})`
  )
  console.log(JSON.stringify(result))
}

await main()
