/*
|--------------------------------------------------------------------------
| pm2 process file
|--------------------------------------------------------------------------
|
| Started by `pm2-runtime ecosystem.config.cjs` in the Docker image, from the
| compiled build (the image's working directory), so the scripts below are
| the compiled JavaScript entry points.
|
|   web     the HTTP server, in cluster mode (one process per CPU by default)
|   worker  the queue worker, in fork mode
|
| Environment:
|   WEB_INSTANCES     number of web processes, or "max" (default "max")
|   WORKER_INSTANCES  number of worker processes (default 1)
|   PARLEY_WORKER     "0" leaves the worker out, e.g. when the worker runs
|                     in its own container (the compose `worker` service)
|
| This file is CommonJS (.cjs) because package.json declares "type": "module".
*/
'use strict'

/**
 * Reads an instance count from the environment. Accepts a positive integer,
 * or "max" / -1 when allowMax is set; anything else falls back.
 */
function instancesFromEnv(name, fallback, allowMax) {
  const raw = (process.env[name] || '').trim()
  if (raw === '') return fallback
  if (allowMax && (raw === 'max' || raw === '-1')) return 'max'
  const count = Number.parseInt(raw, 10)
  if (Number.isInteger(count) && count > 0 && String(count) === raw) return count
  console.warn(`[ecosystem] ignoring ${name}=${JSON.stringify(raw)}; using ${fallback}`)
  return fallback
}

const apps = [
  {
    name: 'web',
    script: 'bin/server.js',
    cwd: __dirname,
    exec_mode: 'cluster',
    instances: instancesFromEnv('WEB_INSTANCES', 'max', true),
    // AdonisJS closes the HTTP server and its connections on SIGINT when it
    // runs under pm2; give in-flight requests time to finish.
    kill_timeout: 10000,
    merge_logs: true,
    time: true,
  },
]

// The `queue:work` ace command arrives in a later issue; until then this
// process exits at once and pm2 keeps restarting it (set PARLEY_WORKER=0 to
// leave it out).
if (process.env.PARLEY_WORKER !== '0') {
  apps.push({
    name: 'worker',
    script: 'ace.js',
    args: 'queue:work',
    cwd: __dirname,
    exec_mode: 'fork',
    instances: instancesFromEnv('WORKER_INSTANCES', 1, false),
    // A job in progress gets this long to finish after SIGINT.
    kill_timeout: 30000,
    // Back off between restarts instead of spinning on a crash loop.
    exp_backoff_restart_delay: 200,
    merge_logs: true,
    time: true,
  })
}

module.exports = { apps }
