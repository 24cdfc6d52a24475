import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import { Queue as BullQueue, Worker } from 'bullmq'
import redisConfig from '#config/redis'
import { RedisQueue, type RedisQueueOptions } from '#core/queue/redis_queue'
import { jobs } from '#core/queue/registry'
import type { JobContext, JobPayload } from '#core/queue/types'
import { tenancy } from '#core/tenancy/context'

/**
 * The `redis` driver against a real Redis (config/redis.ts `main`,
 * 127.0.0.1:6379 by default) under a random key prefix per run. Nothing
 * is skipped: an unreachable Redis fails the group.
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

const main = redisConfig.connections.main
const connection = {
  host: main.host ?? '127.0.0.1',
  port: Number(main.port ?? 6379),
  password: main.password || undefined,
}
/** One random prefix per run, and one per test under it: stats() counts every queue of a prefix. */
const runPrefix = unique('parley-test')

test.group('Redis queue (BullMQ)', (group) => {
  let queueName: string
  let prefix: string
  let driver: RedisQueue
  const drivers: RedisQueue[] = []
  const created: Array<{ prefix: string; name: string }> = []
  const registered: string[] = []

  function makeQueue(options: Partial<RedisQueueOptions> = {}) {
    driver = new RedisQueue({ connection, prefix, queues: [queueName], ...options })
    drivers.push(driver)
    return driver
  }

  function handle(fn: (payload: JobPayload, job: JobContext) => Promise<void>) {
    const name = unique('test.job')
    jobs.register(name, fn)
    registered.push(name)
    return name
  }

  function bull(name = queueName, keyPrefix = prefix) {
    return new BullQueue(name, { connection, prefix: keyPrefix })
  }

  /** Whether BullMQ still holds the job (completed jobs are removed). */
  async function stored(id: string) {
    const queue = bull()
    try {
      return Boolean(await queue.getJob(id.split(':')[1]))
    } finally {
      await queue.close()
    }
  }

  group.setup(async () => {
    // Fail loudly (never skip) when Redis is not there.
    const probe = new RedisQueue({ connection: { ...connection }, prefix: runPrefix, queues: [] })
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        probe.stats(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`Redis is unreachable at ${connection.host}:${connection.port}`)),
            5000
          )
        }),
      ])
    } finally {
      clearTimeout(timer)
      await probe.close()
    }
    return async () => {
      // Remove every key of this run.
      created.push({ prefix: runPrefix, name: 'default' })
      for (const entry of created) {
        const queue = bull(entry.name, entry.prefix)
        await queue.obliterate({ force: true })
        await queue.close()
      }
    }
  })

  group.each.setup(() => {
    queueName = unique('q')
    prefix = `${runPrefix}-${randomBytes(3).toString('hex')}`
    created.push({ prefix, name: queueName }, { prefix, name: 'default' })
    makeQueue()
    return async () => {
      for (const each of drivers.splice(0)) await each.close()
      for (const name of registered.splice(0)) jobs.unregister(name)
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
    assert.match(tenantJob, new RegExp(`^${queueName}:`))

    await driver.work({ queues: [queueName] })
    await waitFor(() => seen.length === 2, 8000, 'both jobs')
    const byId = new Map(seen.map((entry) => [entry.job.id, entry]))
    assert.equal(byId.get(tenantJob)!.tenant, 4242)
    assert.equal(byId.get(tenantJob)!.job.workspaceId, 4242)
    assert.deepEqual(byId.get(tenantJob)!.payload, { hello: 'tenant' })
    assert.equal(byId.get(tenantJob)!.job.attempt, 1)
    assert.isNull(byId.get(platformJob)!.tenant)
    // Completed jobs are removed.
    await waitFor(async () => !(await stored(tenantJob)), 8000, 'removal')
  })

  test('respects the delay', async ({ assert }) => {
    let ranAt = 0
    const name = handle(async () => {
      ranAt = Date.now()
    })
    await driver.work({ queues: [queueName] })
    const dispatchedAt = Date.now()
    await driver.dispatch(name, {}, { workspaceId: null, queue: queueName, delayMs: 600 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(ranAt, 0)
    assert.equal((await driver.stats()).delayed, 1)
    await waitFor(() => ranAt > 0, 5000, 'the delayed job')
    assert.isAtLeast(ranAt - dispatchedAt, 590)
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
    await waitFor(async () => (await driver.stats()).failed === 1, 8000, 'the failure')

    assert.lengthOf(runs, 3)
    assert.isAtLeast(runs[1] - runs[0], 140)
    assert.isAtLeast(runs[2] - runs[1], 290)
    const [failed] = await driver.failed()
    assert.equal(failed.id, id)
    assert.equal(failed.name, name)
    assert.equal(failed.queue, queueName)
    assert.equal(failed.workspaceId, 7)
    assert.deepEqual(failed.payload, { n: 1 })
    assert.equal(failed.attempts, 3)
    assert.include(failed.error, 'boom on attempt 3')
    assert.include(failed.error, 'redis_queue.spec.ts')
    assert.instanceOf(failed.failedAt, Date)

    // The key is free again once the job failed.
    const again = await driver.dispatch(
      name,
      {},
      { workspaceId: 7, queue: queueName, uniqueKey: 'retry-key' }
    )
    assert.notEqual(again, id)
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
    assert.equal((await driver.stats()).waiting, 2)

    await driver.work({ queues: [queueName] })
    await waitFor(() => runs === 2, 8000, 'both jobs')
    await waitFor(async () => !(await stored(first)), 8000, 'removal')
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
    await driver.dispatch(name, {}, { workspaceId: null, queue: queueName, attempts: 1 })
    await driver.work({ queues: [queueName] })
    await waitFor(() => runs.length === 3, 8000, 'three runs')
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.deepEqual(
      runs.map((run) => run.attempt),
      [1, 1, 1]
    )
    assert.isAtLeast(runs[1].at - runs[0].at, 190)
    assert.isAtLeast(runs[2].at - runs[1].at, 190)
    assert.equal((await driver.stats()).failed, 0)
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
    await waitFor(async () => (await driver.stats()).failed === 1, 8000, 'the failure')

    assert.isFalse(await driver.retry(`${queueName}:999999`))
    assert.isFalse(await driver.retry('garbage'))
    shouldFail = false
    assert.isTrue(await driver.retry(id))
    await waitFor(() => succeeded === 1, 8000, 'the retried job')
    assert.equal((await driver.stats()).failed, 0)
    assert.isFalse(await driver.retry(id))
  })

  test('fails a job with no registered handler with a clear error', async ({ assert }) => {
    const name = unique('test.unknown')
    await driver.dispatch(name, {}, { workspaceId: null, queue: queueName, attempts: 5 })
    await driver.work({ queues: [queueName] })
    await waitFor(async () => (await driver.stats()).failed === 1, 8000, 'the failure')
    const [failed] = await driver.failed()
    assert.equal(failed.attempts, 1)
    assert.include(failed.error, `No handler is registered for job "${name}"`)
  })

  test('stop() waits for the running job', async ({ assert }) => {
    let started = false
    let finished = false
    const name = handle(async () => {
      started = true
      await new Promise((resolve) => setTimeout(resolve, 500))
      finished = true
    })
    await driver.dispatch(name, {}, { workspaceId: null, queue: queueName })
    await driver.work({ queues: [queueName] })
    await waitFor(() => started, 8000, 'the job to start')
    await driver.stop()
    assert.isTrue(finished)
    const counts = await driver.stats()
    assert.deepEqual(counts, { waiting: 0, delayed: 0, active: 0, failed: 0 })
  })

  test('stop() hands back a job still running after the grace period', async ({ assert }) => {
    makeQueue({ stopTimeoutMs: 100 })
    let started = false
    const name = handle(async () => {
      started = true
      await new Promise((resolve) => setTimeout(resolve, 1000))
    })
    await driver.dispatch(name, {}, { workspaceId: null, queue: queueName })
    await driver.work({ queues: [queueName] })
    await waitFor(() => started, 8000, 'the job to start')
    await driver.stop()
    const counts = await driver.stats()
    assert.equal(counts.waiting, 1)
    assert.equal(counts.active, 0)
    await new Promise((resolve) => setTimeout(resolve, 1000))
  })

  test('a job whose worker died is picked up again (stalled lock)', async ({ assert }) => {
    const attempts: number[] = []
    const name = handle(async (_payload, job) => {
      attempts.push(job.attempt)
    })
    await driver.dispatch(name, {}, { workspaceId: null, queue: queueName })

    // A "worker" that takes the job and dies: its lock is never renewed.
    const dead = new Worker(queueName, null, { connection, prefix, lockDuration: 500 })
    const taken = await dead.getNextJob('dead-token')
    assert.exists(taken)
    assert.equal((await driver.stats()).active, 1)

    makeQueue({ stalledIntervalMs: 300, lockDurationMs: 2000 })
    await driver.work({ queues: [queueName] })
    await waitFor(() => attempts.length === 1, 10000, 'the stalled job')
    await dead.close(true)
    assert.equal((await driver.stats()).active, 0)
  })

  test('work() without queues consumes every queue', async ({ assert }) => {
    const other = unique('q')
    created.push({ prefix, name: other })
    const ran: string[] = []
    const name = handle(async (payload) => {
      ran.push(String(payload.queue))
    })
    await driver.dispatch(name, { queue: queueName }, { workspaceId: null, queue: queueName })
    await driver.dispatch(name, { queue: other }, { workspaceId: null, queue: other })
    const worker = makeQueue({ queues: [] })
    await worker.work()
    await waitFor(() => ran.length === 2, 8000, 'both queues')
    assert.sameMembers(ran, [queueName, other])
  })
})
