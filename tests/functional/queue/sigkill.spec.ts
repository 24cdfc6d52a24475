import { randomBytes } from 'node:crypto'
import { spawn, type ChildProcess } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { DatabaseQueue } from '#core/queue/database_queue'
import {
  KILL_JOB,
  KILL_ROWS_TABLE,
  KILL_RUNS_TABLE,
  type KillJobPayload,
} from '#tests/helpers/queue_test_jobs'

/**
 * The queue's reliability test: a `node ace queue:work` child process is
 * killed with SIGKILL halfway through 2,000 jobs; a second worker must
 * finish them all, and every job's effect must exist exactly once.
 *
 * - The worker loads the test handler (tests/helpers/queue_test_jobs.ts)
 *   because it runs with NODE_ENV=test and PARLEY_TEST_JOBS=1.
 * - On SQLite the workers use their own file, tmp/queue-kill.sqlite3
 *   (SQLITE_PATH in the child's env, migrated with `migration:run`); this
 *   process reaches it through an extra Lucid connection. On MySQL /
 *   MariaDB (DB_CONNECTION=mysql) they share the test database.
 * - Both workers run with --visibility-timeout=2000 so that the killed
 *   worker's jobs are reclaimed after 2 s rather than 60 s.
 */
const JOBS = 2000
const KILL_AFTER = 600
const SQLITE_FILE = 'tmp/queue-kill.sqlite3'
const CONNECTION = 'queue_kill'

type Worker = { child: ChildProcess; output: string[]; exited: Promise<number | null> }

function startProcess(args: string[], env: NodeJS.ProcessEnv): Worker {
  const child = spawn(process.execPath, ['ace', ...args], {
    cwd: app.makePath(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  child.stdout!.on('data', (chunk) => output.push(String(chunk)))
  child.stderr!.on('data', (chunk) => output.push(String(chunk)))
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ? null : code))
  })
  return { child, output, exited }
}

async function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out: ${label}`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

async function waitFor(check: () => Promise<boolean>, ms: number, label: string, worker?: Worker) {
  const started = Date.now()
  while (!(await check())) {
    if (worker && worker.child.exitCode !== null) {
      throw new Error(`Worker exited early (${label}):\n${worker.output.join('')}`)
    }
    if (Date.now() - started > ms) {
      throw new Error(
        `Timed out waiting for ${label}${worker ? `:\n${worker.output.join('')}` : ''}`
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test.group('Queue worker killed with SIGKILL', (group) => {
  const children: Worker[] = []
  let connectionName: string | undefined

  group.each.teardown(async () => {
    for (const worker of children.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL')
        await worker.exited
      }
    }
    if (connectionName) {
      await db.manager.close(connectionName, true)
      connectionName = undefined
    }
  })

  test('loses no job and applies each exactly once', async ({ assert }) => {
    const started = Date.now()
    const isMysql = db.connection().dialect.name === 'mysql'
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      QUEUE_DRIVER: 'database',
      PARLEY_TEST_JOBS: '1',
      LOG_LEVEL: 'error',
    }

    if (!isMysql) {
      childEnv.SQLITE_PATH = SQLITE_FILE
      for (const suffix of ['', '-wal', '-shm'])
        await rm(app.makePath(SQLITE_FILE + suffix), { force: true })
      const migrate = startProcess(['migration:run', '--force'], childEnv)
      const code = await within(migrate.exited, 60_000, 'migration:run')
      assert.equal(code, 0, migrate.output.join(''))
      db.manager.add(CONNECTION, {
        client: 'sqlite3',
        connection: { filename: app.makePath(SQLITE_FILE) },
        useNullAsDefault: true,
      })
      connectionName = CONNECTION
    }
    const connection = db.connection(connectionName)
    if (!isMysql) await connection.rawQuery('PRAGMA journal_mode = WAL')

    await connection.schema.dropTableIfExists(KILL_ROWS_TABLE)
    await connection.schema.dropTableIfExists(KILL_RUNS_TABLE)
    await connection.schema.createTable(KILL_ROWS_TABLE, (table) => {
      table.string('job_key', 64).primary()
    })
    await connection.schema.createTable(KILL_RUNS_TABLE, (table) => {
      table.increments('id')
      table.string('job_key', 64).notNullable()
      table.integer('pid').notNullable()
    })

    const queueName = `kill-${randomBytes(4).toString('hex')}`
    const producer = new DatabaseQueue({ connection: connectionName })
    const keys: string[] = []
    for (let i = 0; i < JOBS; i++) {
      const key = `${queueName}-${i}`
      keys.push(key)
      await producer.dispatch(KILL_JOB, { key, sleepMs: 3 } satisfies KillJobPayload, {
        workspaceId: (i % 3) + 1,
        queue: queueName,
      })
    }

    const pending = async () =>
      Number((await connection.from('jobs').where('queue', queueName).count('* as total'))[0].total)
    const done = async () =>
      Number((await connection.from(KILL_ROWS_TABLE).count('* as total'))[0].total)
    const active = async () =>
      Number(
        (
          await connection
            .from('jobs')
            .where('queue', queueName)
            .where('status', 'active')
            .count('* as total')
        )[0].total
      )
    const workerArgs = [
      'queue:work',
      `--queue=${queueName}`,
      '--concurrency=4',
      '--visibility-timeout=2000',
    ]

    // First worker: killed without warning once it is well into the batch.
    const first = startProcess(workerArgs, childEnv)
    children.push(first)
    // Kill while it holds jobs (claimed, not finished), so that reclaiming is exercised.
    await waitFor(
      async () => (await done()) >= KILL_AFTER && (await active()) >= 2,
      40_000,
      'the first worker',
      first
    )
    first.child.kill('SIGKILL')
    await first.exited
    const doneAtKill = await done()
    const activeAtKill = await active()

    // Second worker: reclaims the dead worker's jobs and finishes the rest.
    const second = startProcess(workerArgs, childEnv)
    children.push(second)
    await waitFor(async () => (await pending()) === 0, 60_000, 'an empty queue', second)

    // A graceful stop exits 0.
    second.child.kill('SIGTERM')
    assert.equal(await within(second.exited, 40_000, 'the SIGTERM exit'), 0, second.output.join(''))

    const rows: { job_key: string }[] = await connection.from(KILL_ROWS_TABLE).select('job_key')
    const present = new Set(rows.map((row) => row.job_key))
    const lost = keys.filter((key) => !present.has(key))
    const duplicates = rows.length - present.size
    const runs = Number((await connection.from(KILL_RUNS_TABLE).count('* as total'))[0].total)
    const runners = await connection.from(KILL_RUNS_TABLE).distinct('pid')

    console.log(
      JSON.stringify({
        sigkill: {
          jobs: JOBS,
          doneAtKill,
          activeAtKill,
          lost: lost.length,
          duplicates,
          reRuns: runs - JOBS,
          workers: runners.length,
          durationMs: Date.now() - started,
        },
      })
    )
    assert.isAbove(activeAtKill, 0, 'the kill should interrupt running jobs')
    assert.deepEqual(lost, [])
    assert.equal(duplicates, 0)
    assert.equal(rows.length, JOBS)
    assert.isAtLeast(runs, JOBS)
    assert.equal(runners.length, 2)
    assert.lengthOf(
      await connection.from('jobs').where('queue', queueName).where('status', 'failed'),
      0
    )

    await connection.schema.dropTable(KILL_ROWS_TABLE)
    await connection.schema.dropTable(KILL_RUNS_TABLE)
  }).timeout(120_000)
})
