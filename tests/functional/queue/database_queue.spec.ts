import { randomBytes } from 'node:crypto'
import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import testUtils from '@adonisjs/core/services/test_utils'
import AdminJobsController from '#core/controllers/admin/jobs_controller'
import AuditLog from '#core/models/audit_log'
import { DatabaseQueue } from '#core/queue/database_queue'
import { jobs } from '#core/queue/registry'
import type { JobContext, JobPayload } from '#core/queue/types'
import { tenancy } from '#core/tenancy/context'

/**
 * The `database` driver against the test database (SQLite, or MariaDB with
 * DB_CONNECTION=mysql). Every test uses its own queue and job names, so
 * rows of other tests or runs never reach its worker.
 */
function unique(prefix: string) {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 8000, label = 'condition') {
  const started = Date.now()
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${label}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function row(id: string) {
  return db.from('jobs').where('id', Number(id)).first()
}

test.group('Database queue', (group) => {
  let queueName: string
  let driver: DatabaseQueue
  const registered: string[] = []

  function makeQueue(options: ConstructorParameters<typeof DatabaseQueue>[0] = {}) {
    driver = new DatabaseQueue({ pollIntervalMs: 20, maxPollIntervalMs: 100, ...options })
    return driver
  }

  function handle(fn: (payload: JobPayload, job: JobContext) => Promise<void>) {
    const name = unique('test.job')
    jobs.register(name, fn)
    registered.push(name)
    return name
  }

  group.each.setup(() => {
    queueName = unique('q')
    makeQueue()
    return async () => {
      await driver.stop()
      for (const name of registered.splice(0)) jobs.unregister(name)
      await db.from('jobs').where('queue', queueName).delete()
    }
  })

  test('runs a job inside its tenant context, a platform job outside any', async ({ assert }) => {
    const seen: Array<{ tenant: number | null; job: JobContext; payload: JobPayload }> = []
    const name = handle(async (payload, job) => {
      seen.push({ tenant: tenancy.current() ? tenancy.workspaceId() : null, job, payload })
    })

    const tenantJob = await driver.dispatch(
      name,
      { hello: 'tenant' },
      { workspaceId: 4242, queue: queueName }
    )
    const platformJob = await driver.dispatch(
      name,
      { hello: 'platform' },
      { workspaceId: null, queue: queueName }
    )
    await driver.work({ queues: [queueName] })
    await waitFor(() => seen.length === 2, 8000, 'both jobs')

    const byId = new Map(seen.map((entry) => [entry.job.id, entry]))
    assert.equal(byId.get(tenantJob)!.tenant, 4242)
    assert.equal(byId.get(tenantJob)!.job.workspaceId, 4242)
    assert.deepEqual(byId.get(tenantJob)!.payload, { hello: 'tenant' })
    assert.equal(byId.get(tenantJob)!.job.attempt, 1)
    assert.equal(byId.get(tenantJob)!.job.name, name)
    assert.isNull(byId.get(platformJob)!.tenant)
    // Completed jobs are deleted.
    await waitFor(
      async () => !(await row(tenantJob)) && !(await row(platformJob)),
      8000,
      'deletion'
    )
  })

  test('respects the delay', async ({ assert }) => {
    let ranAt = 0
    const name = handle(async () => {
      ranAt = Date.now()
    })
    await driver.work({ queues: [queueName] })
    const dispatchedAt = Date.now()
    const id = await driver.dispatch(
      name,
      {},
      { workspaceId: null, queue: queueName, delayMs: 600 }
    )

    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(ranAt, 0)
    const stats = await driver.stats()
    assert.isAtLeast(stats.delayed, 1)
    assert.equal((await row(id)).status, 'waiting')

    await waitFor(() => ranAt > 0, 5000, 'the delayed job')
    assert.isAtLeast(ranAt - dispatchedAt, 600)
  })

  test('retries with exponential backoff, then fails with the error stored', async ({ assert }) => {
    const runs: number[] = []
    const name = handle(async (_payload, job) => {
      runs.push(Date.now())
      throw new Error(`boom on attempt ${job.attempt}`)
    })
    const id = await driver.dispatch(
      name,
      { n: 1 },
      { workspaceId: 7, queue: queueName, attempts: 3, backoffMs: 150, uniqueKey: 'retry-key' }
    )
    await driver.work({ queues: [queueName] })

    await waitFor(async () => (await row(id))?.status === 'failed', 8000, 'the failure')
    assert.lengthOf(runs, 3)
    // backoffMs * 2^(attempt - 1): 150 ms, then 300 ms.
    assert.isAtLeast(runs[1] - runs[0], 150)
    assert.isAtLeast(runs[2] - runs[1], 300)

    const failedRow = await row(id)
    assert.equal(Number(failedRow.attempts), 3)
    assert.isNull(failedRow.unique_key)
    assert.isNull(failedRow.reserved_by)

    const failed = (await driver.failed({ limit: 500 })).find((job) => job.id === id)
    assert.exists(failed)
    assert.equal(failed!.name, name)
    assert.equal(failed!.queue, queueName)
    assert.equal(failed!.workspaceId, 7)
    assert.deepEqual(failed!.payload, { n: 1 })
    assert.equal(failed!.attempts, 3)
    assert.include(failed!.error, 'boom on attempt 3')
    assert.include(failed!.error, 'database_queue.spec.ts')
    assert.instanceOf(failed!.failedAt, Date)
    assert.isAtLeast((await driver.stats()).failed, 1)

    // The key is free again once the job failed.
    const again = await driver.dispatch(
      name,
      {},
      { workspaceId: 7, queue: queueName, uniqueKey: 'retry-key' }
    )
    assert.notEqual(again, id)
  })

  test('trims a huge error to 4 KB', async ({ assert }) => {
    const name = handle(async () => {
      throw new Error('x'.repeat(20_000))
    })
    const id = await driver.dispatch(name, {}, { workspaceId: null, queue: queueName, attempts: 1 })
    await driver.work({ queues: [queueName] })
    await waitFor(async () => (await row(id))?.status === 'failed', 8000, 'the failure')
    assert.isAtMost(Buffer.byteLength((await row(id)).last_error), 4096)
  })

  test('deduplicates by unique key while the job is not finished, per workspace', async ({
    assert,
  }) => {
    let runs = 0
    const name = handle(async () => {
      runs += 1
    })
    const first = await driver.dispatch(
      name,
      { v: 1 },
      { workspaceId: 1, queue: queueName, uniqueKey: 'k' }
    )
    const second = await driver.dispatch(
      name,
      { v: 2 },
      { workspaceId: 1, queue: queueName, uniqueKey: 'k' }
    )
    const otherTenant = await driver.dispatch(
      name,
      {},
      { workspaceId: 2, queue: queueName, uniqueKey: 'k' }
    )
    assert.equal(second, first)
    assert.notEqual(otherTenant, first)
    const rows = await db.from('jobs').where('queue', queueName)
    assert.lengthOf(rows, 2)

    await driver.work({ queues: [queueName] })
    await waitFor(() => runs === 2, 8000, 'both jobs')
    await waitFor(async () => !(await row(first)), 8000, 'completion')

    // Finished: the key can be used again.
    const third = await driver.dispatch(
      name,
      {},
      { workspaceId: 1, queue: queueName, uniqueKey: 'k' }
    )
    assert.notEqual(third, first)
  })

  test('releaseAfter re-schedules without counting an attempt', async ({ assert }) => {
    const runs: Array<{ at: number; attempt: number }> = []
    const name = handle(async (_payload, job) => {
      runs.push({ at: Date.now(), attempt: job.attempt })
      if (runs.length < 3) job.releaseAfter(200)
    })
    const id = await driver.dispatch(name, {}, { workspaceId: null, queue: queueName, attempts: 1 })
    await driver.work({ queues: [queueName] })

    await waitFor(() => runs.length === 3, 8000, 'three runs')
    await waitFor(async () => !(await row(id)), 8000, 'completion')
    // attempts: 1, yet released twice and never failed.
    assert.deepEqual(
      runs.map((run) => run.attempt),
      [1, 1, 1]
    )
    assert.isAtLeast(runs[1].at - runs[0].at, 200)
    assert.isAtLeast(runs[2].at - runs[1].at, 200)
  })

  test('retry() puts a failed job back with fresh attempts', async ({ assert }) => {
    let shouldFail = true
    let succeeded = 0
    const name = handle(async () => {
      if (shouldFail) throw new Error('not yet')
      succeeded += 1
    })
    const id = await driver.dispatch(name, {}, { workspaceId: null, queue: queueName, attempts: 1 })
    await driver.work({ queues: [queueName] })
    await waitFor(async () => (await row(id))?.status === 'failed', 8000, 'the failure')

    assert.isFalse(await driver.retry('999999999'))
    assert.isFalse(await driver.retry('not-an-id'))
    shouldFail = false
    assert.isTrue(await driver.retry(id))
    await waitFor(() => succeeded === 1, 8000, 'the retried job')
    await waitFor(async () => !(await row(id)), 8000, 'completion')
    assert.isFalse(await driver.retry(id))
  })

  test('fails a job with no registered handler with a clear error', async ({ assert }) => {
    const name = unique('test.unknown')
    const id = await driver.dispatch(name, {}, { workspaceId: null, queue: queueName, attempts: 5 })
    await driver.work({ queues: [queueName] })
    await waitFor(async () => (await row(id))?.status === 'failed', 8000, 'the failure')
    const failed = await row(id)
    assert.equal(Number(failed.attempts), 1)
    assert.include(failed.last_error, `No handler is registered for job "${name}"`)
  })

  test('stop() waits for the running job', async ({ assert }) => {
    let started = false
    let finished = false
    const name = handle(async () => {
      started = true
      await new Promise((resolve) => setTimeout(resolve, 500))
      finished = true
    })
    const id = await driver.dispatch(name, {}, { workspaceId: null, queue: queueName })
    await driver.work({ queues: [queueName] })
    await waitFor(() => started, 8000, 'the job to start')

    await driver.stop()
    assert.isTrue(finished)
    assert.isNull(await row(id))
  })

  test('stop() hands back a job still running after the grace period', async ({ assert }) => {
    makeQueue({ stopTimeoutMs: 100 })
    let started = false
    const name = handle(async () => {
      started = true
      await new Promise((resolve) => setTimeout(resolve, 1500))
    })
    const id = await driver.dispatch(name, {}, { workspaceId: null, queue: queueName })
    await driver.work({ queues: [queueName] })
    await waitFor(() => started, 8000, 'the job to start')

    await driver.stop()
    const released = await row(id)
    assert.equal(released.status, 'waiting')
    assert.equal(Number(released.attempts), 0)
    assert.isNull(released.reserved_by)
    // Let the abandoned handler end before the group cleanup runs.
    await new Promise((resolve) => setTimeout(resolve, 1500))
  })

  test('reclaims a job whose worker died (expired reservation)', async ({ assert }) => {
    const attempts: number[] = []
    const name = handle(async (_payload, job) => {
      attempts.push(job.attempt)
    })
    // Rows as a SIGKILLed worker leaves them: active, reserved, reservation past.
    const base = {
      queue: queueName,
      name,
      workspace_id: null,
      payload: '{}',
      backoff_ms: 1000,
      status: 'active',
      available_at: Date.now() - 5000,
      reserved_by: 'dead-host:1:abc',
      reserved_until: Date.now() - 1000,
      created_at: '2024-01-01 00:00:00',
      updated_at: '2024-01-01 00:00:00',
    }
    const [lostId] = await db.table('jobs').insert({ ...base, attempts: 1, max_attempts: 3 })
    const [lastId] = await db.table('jobs').insert({ ...base, attempts: 3, max_attempts: 3 })
    // Still reserved (a live worker): must not be touched.
    const [liveId] = await db
      .table('jobs')
      .insert({ ...base, attempts: 1, max_attempts: 3, reserved_until: Date.now() + 60_000 })

    makeQueue({ visibilityTimeoutMs: 400 })
    await driver.work({ queues: [queueName] })
    await waitFor(() => attempts.length === 1, 8000, 'the reclaimed job')
    await waitFor(async () => !(await row(String(lostId))), 8000, 'completion')
    assert.deepEqual(attempts, [2])

    const exhausted = await row(String(lastId))
    assert.equal(exhausted.status, 'failed')
    assert.include(exhausted.last_error, 'reservation expired')
    const live = await row(String(liveId))
    assert.equal(live.status, 'active')
    assert.equal(live.reserved_by, 'dead-host:1:abc')
  })

  test('keeps extending the reservation of a long job', async ({ assert }) => {
    makeQueue({ visibilityTimeoutMs: 300 })
    let runs = 0
    const name = handle(async () => {
      runs += 1
      await new Promise((resolve) => setTimeout(resolve, 1200))
    })
    const id = await driver.dispatch(name, {}, { workspaceId: null, queue: queueName })
    await driver.work({ queues: [queueName] })
    await waitFor(() => runs === 1, 8000, 'the job to start')
    await new Promise((resolve) => setTimeout(resolve, 700))
    const active = await row(id)
    assert.equal(active.status, 'active')
    assert.isAbove(Number(active.reserved_until), Date.now())
    // A second worker sees a live reservation and leaves the job alone.
    const other = new DatabaseQueue({ pollIntervalMs: 20, visibilityTimeoutMs: 300 })
    assert.equal(await other.reclaimExpired(), 0)
    await waitFor(async () => !(await row(id)), 8000, 'completion')
    assert.equal(runs, 1)
  })

  test('runs up to `concurrency` jobs at once', async ({ assert }) => {
    let running = 0
    let peak = 0
    let done = 0
    const name = handle(async () => {
      running += 1
      peak = Math.max(peak, running)
      await new Promise((resolve) => setTimeout(resolve, 150))
      running -= 1
      done += 1
    })
    for (let i = 0; i < 9; i++)
      await driver.dispatch(name, { i }, { workspaceId: null, queue: queueName })
    await driver.work({ queues: [queueName], concurrency: 3 })
    await waitFor(() => done === 9, 8000, 'all jobs')
    assert.equal(peak, 3)
  })
})

test.group('Database queue / competing workers', (group) => {
  let queueName: string
  let name: string
  const workers: DatabaseQueue[] = []

  group.each.setup(() => {
    queueName = unique('q')
    return async () => {
      for (const worker of workers.splice(0)) await worker.stop()
      jobs.unregister(name)
      await db.from('jobs').where('queue', queueName).delete()
    }
  })

  test('two workers never run the same job twice', async ({ assert }) => {
    const runs = new Map<string, number>()
    name = unique('test.compete')
    jobs.register(name, async (_payload, job) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1)
      await new Promise((resolve) => setTimeout(resolve, 2))
    })
    const producer = new DatabaseQueue()
    for (let i = 0; i < 150; i++)
      await producer.dispatch(name, { i }, { workspaceId: null, queue: queueName })

    for (let i = 0; i < 2; i++) {
      const worker = new DatabaseQueue({ pollIntervalMs: 10, maxPollIntervalMs: 50 })
      workers.push(worker)
      await worker.work({ queues: [queueName], concurrency: 4 })
    }
    await waitFor(
      async () =>
        Number((await db.from('jobs').where('queue', queueName).count('* as total'))[0].total) ===
        0,
      20000,
      'an empty queue'
    )
    assert.equal(runs.size, 150)
    assert.deepEqual([...new Set(runs.values())], [1])
  })
})

test.group('Admin jobs controller', () => {
  async function jsonContext(params: Record<string, string> = {}) {
    const req = new IncomingMessage(new Socket())
    req.method = 'GET'
    req.url = '/admin/jobs'
    req.headers.accept = 'application/json'
    const ctx = await testUtils.createHttpContext({ req })
    ctx.params = params
    return ctx
  }

  test('lists stats and failed jobs, and retries one', async ({ assert }) => {
    const queueName = unique('q')
    const name = unique('test.admin')
    const producer = new DatabaseQueue({ pollIntervalMs: 20 })
    const id = await producer.dispatch(
      name,
      { a: 1 },
      { workspaceId: 5, queue: queueName, attempts: 1 }
    )
    await producer.work({ queues: [queueName] })
    await waitFor(async () => (await row(id))?.status === 'failed', 8000, 'the failure')
    await producer.stop()

    const ctx = await jsonContext()
    await new AdminJobsController().index(ctx)
    const body = ctx.response.getBody()
    assert.containsSubset(body, { page: 1, perPage: 50 })
    assert.properties(body.stats, ['waiting', 'delayed', 'active', 'failed'])
    assert.isAtLeast(body.stats.failed, 1)
    const listed = body.failed.find((job: { id: string }) => job.id === id)
    assert.containsSubset(listed, {
      id,
      name,
      queue: queueName,
      workspaceId: 5,
      payload: { a: 1 },
      attempts: 1,
    })
    assert.include(listed.error, `No handler is registered for job "${name}"`)
    assert.isString(listed.failedAt)

    const retryCtx = await jsonContext({ id })
    await new AdminJobsController().retry(retryCtx)
    assert.deepEqual(retryCtx.response.getBody(), { retried: id })
    assert.equal((await row(id)).status, 'waiting')
    const entry = await AuditLog.query()
      .where('action', 'queue.job_retried')
      .where('target_id', id)
      .first()
    assert.exists(entry)

    const missing = await jsonContext({ id: '999999999' })
    await new AdminJobsController().retry(missing)
    assert.equal(missing.response.getStatus(), 404)
    await db.from('jobs').where('queue', queueName).delete()
  })
})
