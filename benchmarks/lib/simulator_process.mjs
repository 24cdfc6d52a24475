/**
 * The Meta Cloud API simulator (app/channels/simulator) in a process of its
 * own, for benchmarks. Meta is a separate service: a simulator inside the
 * benchmark process shares its event loop with the measuring code (and
 * with whatever the benchmark does meanwhile), so requests that left the
 * worker evenly spaced are read in bunches after each stall of that loop.
 * In its own process the simulator only answers Graph requests.
 *
 * Parent side:
 *
 *   const simulator = await startSimulatorProcess(modulePath, options)
 *   await simulator.call('addTemplate', { … })
 *   await simulator.call('setMps', phoneNumberId, 80)
 *   const { sent, attempts } = await simulator.call('sends', { since, phoneNumberId })
 *   await simulator.stop()
 *
 * `modulePath` is the simulator's index.js (the build's), `options` those of
 * createMetaSimulator (plain data only: they cross the IPC channel).
 * `sends` returns the accepted sends as `[at, callbackData]` and every send
 * request that reached the throughput check (accepted or refused with
 * 130429) as `at`, times in ms from the simulator's clock (Date.now(), the
 * same machine clock as the benchmark's).
 *
 * Child side: this file run with node (forked with an IPC channel), the
 * module path and the JSON options as arguments.
 */
import { fork } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'

const SELF = fileURLToPath(import.meta.url)

/** Starts the simulator in a child process; resolves once it listens. */
export async function startSimulatorProcess(modulePath, options) {
  const child = fork(SELF, [modulePath, JSON.stringify(options)], {
    stdio: process.env.BENCH_DEBUG ? 'inherit' : ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  let seq = 0
  const waiting = new Map()
  let exited = false
  const failAll = (error) => {
    for (const { reject } of waiting.values()) reject(error)
    waiting.clear()
  }
  child.on('exit', (code, signal) => {
    exited = true
    failAll(new Error(`the simulator process exited (${code ?? signal})`))
  })
  child.on('message', (message) => {
    const entry = waiting.get(message.id)
    if (!entry) return
    waiting.delete(message.id)
    if (message.error) entry.reject(new Error(`simulator: ${message.error}`))
    else entry.resolve(message.result)
  })
  const call = (method, ...args) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error('the simulator process is not running'))
      const id = ++seq
      waiting.set(id, { resolve, reject })
      child.send({ id, method, args })
    })
  const { url } = await call('ready')
  return {
    url,
    pid: child.pid,
    call,
    async stop() {
      if (exited) return
      const gone = new Promise((resolve) => child.once('exit', resolve))
      try {
        await call('stop')
      } catch {}
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await gone
      clearTimeout(timer)
    },
  }
}

async function runChild(modulePath, options) {
  const { createMetaSimulator } = await import(pathToFileURL(modulePath).href)
  const simulator = createMetaSimulator(options)
  const started = simulator.start()
  const { state } = simulator

  const methods = {
    ready: async () => started,
    addTemplate: (template) => {
      state.addTemplate(template)
      return null
    },
    setMps: (phoneNumberId, mps) => {
      const number = state.numbers.get(phoneNumberId)
      if (!number) throw new Error(`unknown number ${phoneNumberId}`)
      number.mps = mps
      return null
    },
    sends: ({ since = 0, phoneNumberId } = {}) => {
      const sent = []
      for (const entry of state.sent) {
        if (entry.at < since) continue
        if (phoneNumberId && entry.phoneNumberId !== phoneNumberId) continue
        sent.push([entry.at, entry.callbackData ?? null])
      }
      const attempts = []
      for (const attempt of state.sendAttempts) {
        if (attempt.at < since) continue
        if (phoneNumberId && attempt.phoneNumberId !== phoneNumberId) continue
        attempts.push(attempt.at)
      }
      return { sent, attempts }
    },
    stop: async () => {
      await simulator.stop()
      setImmediate(() => process.exit(0))
      return null
    },
  }

  process.on('message', async ({ id, method, args }) => {
    try {
      const handler = methods[method]
      if (!handler) throw new Error(`unknown method ${method}`)
      process.send({ id, result: await handler(...args) })
    } catch (error) {
      process.send({ id, error: error instanceof Error ? error.message : String(error) })
    }
  })
  // The parent went away (killed, crashed): do not linger.
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => simulator.stop().finally(() => process.exit(0)))
}

if (process.argv[1] === SELF) {
  runChild(process.argv[2], JSON.parse(process.argv[3] ?? '{}')).catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
