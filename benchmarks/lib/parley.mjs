/**
 * Helpers shared by the benchmarks: Meta webhook encoding and signing,
 * starting and stopping Parley's processes, waiting for HTTP, percentiles.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

export const ROOT = new URL('../..', import.meta.url).pathname

/** JSON the way Meta sends it: slashes and non-ASCII characters escaped. */
export function metaJson(value) {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** The `X-Hub-Signature-256` header value of `body` for the app secret. */
export function hubSignature(secret, body) {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * A `messages` webhook body for one phone number: `items` are
 * `{ waId, name, wamid, text }`.
 */
export function metaTextWebhook(phoneNumberId, items, wabaId = 'WABA-BENCH') {
  return metaJson({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              contacts: items.map((item) => ({ profile: { name: item.name }, wa_id: item.waId })),
              messages: items.map((item) => ({
                from: item.waId,
                id: item.wamid,
                timestamp: String(Math.floor(Date.now() / 1000)),
                type: 'text',
                text: { body: item.text },
              })),
            },
          },
        ],
      },
    ],
  })
}

export async function waitForHttp(url, seconds = 60) {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      const response = await fetch(url)
      if (response.ok) return
    } catch {}
    await sleep(100)
  }
  throw new Error(`${url} did not answer`)
}

/** SIGTERM, then SIGKILL if the process is still there after 10 s. */
export async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

export async function assertPortFree(port) {
  try {
    await fetch(`http://127.0.0.1:${port}/health`)
  } catch {
    return
  }
  throw new Error(
    `Port ${port} is in use (a Parley left over from an interrupted run?): stop it first`
  )
}

const childStdio = () => (process.env.BENCH_DEBUG ? ['ignore', 'inherit', 'inherit'] : 'ignore')

/**
 * The web server (bin/server.ts) as its own process. With BENCH_QUERY_LOG
 * in `env`, every SQL statement it runs is logged there (lib/query_log.mjs).
 */
export function startWeb(env) {
  const preload = env.BENCH_QUERY_LOG ? ['--import=./benchmarks/lib/query_log.mjs'] : []
  return spawn('node', [...preload, '--import=ts-node-maintained/register/esm', 'bin/server.ts'], {
    cwd: ROOT,
    env,
    stdio: childStdio(),
  })
}

/** One `node ace queue:work` worker process (SQL logged like startWeb's). */
export function startWorker(env, args = []) {
  const preload = env.BENCH_QUERY_LOG ? ['--import=./benchmarks/lib/query_log.mjs'] : []
  return spawn('node', [...preload, 'ace', 'queue:work', ...args], {
    cwd: ROOT,
    env,
    stdio: childStdio(),
  })
}

/** Nearest-rank percentile of an ascending list (undefined when empty). */
export function percentile(sorted, p) {
  if (!sorted.length) return undefined
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export const round = (value, digits = 1) =>
  value === undefined || value === null || Number.isNaN(value)
    ? null
    : Number(value.toFixed(digits))

/**
 * CPU time (user + system, ms) a child process has used so far (Linux
 * /proc; null elsewhere). Unlike wall-clock latency it does not grow when
 * other processes compete for the CPU.
 */
export function cpuMs(child) {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100/s).
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

/** A browser-like HTTP session: cookies kept, the XSRF header sent back. */
export class Session {
  cookies = new Map()

  constructor(base) {
    this.base = base
  }

  absorb(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at).trim()
      const value = pair.slice(at + 1).trim()
      const expired = attributes.some((a) => /max-age=0\b|expires=thu, 01 jan 1970/i.test(a.trim()))
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  headers(extra = {}) {
    const headers = {
      cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      ...extra,
    }
    const xsrf = this.cookies.get('XSRF-TOKEN')
    if (xsrf) headers['x-xsrf-token'] = decodeURIComponent(xsrf)
    return headers
  }

  async request(path, init = {}) {
    const response = await fetch(`${this.base}${path}`, {
      redirect: 'manual',
      ...init,
      headers: this.headers(init.headers),
    })
    this.absorb(response)
    return response
  }
}

/** Logs in over HTTP (CSRF token, session cookie) and returns the session. */
export async function loginAs(base, email, password) {
  const session = new Session(base)
  const page = await session.request('/login', { headers: { 'x-inertia': 'true' } })
  await page.arrayBuffer()
  if (!session.cookies.has('XSRF-TOKEN'))
    throw new Error(`GET /login gave no CSRF cookie (${page.status})`)
  const response = await session.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }).toString(),
  })
  await response.arrayBuffer()
  const location = response.headers.get('location') ?? ''
  if (response.status !== 302 || location.includes('/login')) {
    throw new Error(`login failed: ${response.status} → ${location}`)
  }
  return session
}

/**
 * The docker compose stack gives MariaDB a 1 GB buffer pool
 * (DB_BUFFER_POOL_SIZE); a stock server has 128 MB, and a 1M-row
 * benchmark database does not fit in it. Sets the pool to `mb` (0: leave
 * the server's) and returns the size in use, in MB, for the bench's JSON.
 */
export function mariadbBufferPool(mb) {
  const run = (sql) =>
    execFileSync('mysql', ['-uroot', '-h127.0.0.1', '-N', '-e', sql]).toString().trim()
  if (mb > 0) run(`SET GLOBAL innodb_buffer_pool_size = ${Math.round(mb) * 1048576}`)
  return Math.round(Number(run('SELECT @@innodb_buffer_pool_size')) / 1048576)
}
