import { test } from '@japa/runner'
import { ChannelSendError } from '#channels/driver'
import {
  CircuitBreaker,
  CircuitOpenError,
  MemoryBreakerStore,
  type BreakerStore,
} from '#channels/circuit_breaker'

const transient = () => new ChannelSendError('WhatsApp could not be reached.', null, 'retry', 2000)
const permanent = () => new ChannelSendError('Outside the window', 131047, 'give_up')

function makeBreaker(options: { maxCooldownMs?: number } = {}) {
  let now = 1_000_000
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
  const breaker = new CircuitBreaker({
    store: new MemoryBreakerStore(),
    clock: clock.now,
    failureThreshold: 5,
    cooldownMs: 30_000,
    maxCooldownMs: options.maxCooldownMs ?? 120_000,
    probeTimeoutMs: 10_000,
  })
  return { breaker, clock }
}

async function fail(breaker: CircuitBreaker, channelId: number | string, times = 1) {
  for (let i = 0; i < times; i++) {
    await breaker
      .run(channelId, async () => {
        throw transient()
      })
      .catch((error) => {
        if (error instanceof CircuitOpenError) throw error
      })
  }
}

const ok = async () => 'sent'

test.group('Circuit breaker', () => {
  test('opens after 5 consecutive transient failures and fails fast', async ({ assert }) => {
    const { breaker } = makeBreaker()
    await fail(breaker, 1, 4)
    assert.equal((await breaker.state(1)).state, 'closed')
    assert.equal((await breaker.state(1)).failures, 4)
    await fail(breaker, 1)
    assert.deepInclude(await breaker.state(1), { state: 'open', retryAfterMs: 30_000 })

    let called = false
    const error = await breaker
      .run(1, async () => {
        called = true
      })
      .catch((e) => e)
    assert.isFalse(called)
    assert.instanceOf(error, CircuitOpenError)
    assert.instanceOf(error, ChannelSendError)
    assert.equal(error.action, 'wait')
    assert.equal(error.retryAfterMs, 30_000)
  })

  test('a success or a non-transient answer resets the count', async ({ assert }) => {
    const { breaker } = makeBreaker()
    await fail(breaker, 1, 4)
    assert.equal(await breaker.run(1, ok), 'sent')
    await fail(breaker, 1, 4)
    await breaker
      .run(1, async () => {
        throw permanent()
      })
      .catch(() => {})
    await fail(breaker, 1, 4)
    assert.deepInclude(await breaker.state(1), { state: 'closed', failures: 4 })
  })

  test('errors that are not ChannelSendErrors do not count', async ({ assert }) => {
    const { breaker } = makeBreaker()
    for (let i = 0; i < 6; i++) {
      await breaker
        .run(1, async () => {
          throw new TypeError('bug')
        })
        .catch(() => {})
    }
    assert.equal((await breaker.state(1)).state, 'closed')
  })

  test('channels are independent', async ({ assert }) => {
    const { breaker } = makeBreaker()
    await fail(breaker, 'a', 5)
    assert.equal((await breaker.state('a')).state, 'open')
    assert.equal(await breaker.run('b', ok), 'sent')
  })

  test('half-open lets one probe through; its success closes', async ({ assert }) => {
    const { breaker, clock } = makeBreaker()
    await fail(breaker, 1, 5)
    clock.advance(29_999)
    await assert.rejects(() => breaker.run(1, ok))
    clock.advance(1)
    assert.equal((await breaker.state(1)).state, 'half_open')

    let release!: () => void
    const probe = breaker.run(
      1,
      () => new Promise<string>((resolve) => (release = () => resolve('probe')))
    )
    await new Promise((resolve) => setImmediate(resolve))
    const second = await breaker.run(1, ok).catch((e) => e)
    assert.instanceOf(second, CircuitOpenError)
    assert.isAbove(second.retryAfterMs, 0)

    release()
    assert.equal(await probe, 'probe')
    assert.deepInclude(await breaker.state(1), { state: 'closed', failures: 0 })
    assert.equal(await breaker.run(1, ok), 'sent')
  })

  test('a failed probe re-opens with the cooldown doubled, up to the cap', async ({ assert }) => {
    const { breaker, clock } = makeBreaker({ maxCooldownMs: 100_000 })
    await fail(breaker, 1, 5)
    const cooldowns: number[] = []
    for (let i = 0; i < 3; i++) {
      const { retryAfterMs } = await breaker.state(1)
      clock.advance(retryAfterMs!)
      await fail(breaker, 1)
      cooldowns.push((await breaker.state(1)).retryAfterMs!)
    }
    assert.deepEqual(cooldowns, [60_000, 100_000, 100_000])
  })

  test('a probe that never reports lets another probe through later', async ({ assert }) => {
    const { breaker, clock } = makeBreaker()
    await fail(breaker, 1, 5)
    clock.advance(30_000)
    assert.deepEqual(await breaker.acquire(1), { probe: true })
    await assert.rejects(() => breaker.acquire(1))
    clock.advance(10_000)
    assert.deepEqual(await breaker.acquire(1), { probe: true })
  })

  test('a failing store never blocks sending', async ({ assert }) => {
    const broken: BreakerStore = {
      get: async () => {
        throw new Error('redis down')
      },
      incrementFailures: async () => {
        throw new Error('redis down')
      },
      open: async () => {},
      claimProbe: async () => false,
      reset: async () => {},
    }
    const storeErrors: unknown[] = []
    const breaker = new CircuitBreaker({
      store: broken,
      onStoreError: (error) => storeErrors.push(error),
    })
    assert.equal(await breaker.run(1, ok), 'sent')
    await fail(breaker, 1, 6)
    assert.equal(await breaker.run(1, ok), 'sent')
    assert.isAbove(storeErrors.length, 0)
  })
})

test.group('Circuit breaker (Redis store)', () => {
  test('workers share the state through parley:breaker:<channelId>', async ({
    assert,
    cleanup,
  }) => {
    const { RedisBreakerStore } = await import('#channels/circuit_breaker')
    const redis = (await import('@adonisjs/redis/services/main')).default
    const channelId = `spec-${process.pid}-${Date.now()}`
    cleanup(async () => {
      await redis.del(`parley:breaker:${channelId}`)
    })
    let now = 5_000_000
    const options = { clock: () => now, cooldownMs: 30_000, failureThreshold: 2 }
    // Two breakers, as in two worker processes, over one Redis.
    const workerA = new CircuitBreaker({ ...options, store: new RedisBreakerStore() })
    const workerB = new CircuitBreaker({ ...options, store: new RedisBreakerStore() })

    await fail(workerA, channelId)
    await fail(workerB, channelId)
    assert.equal((await workerA.state(channelId)).state, 'open')
    assert.equal(await redis.hget(`parley:breaker:${channelId}`, 'failures'), '2')
    await assert.rejects(() => workerB.run(channelId, ok))

    now += 30_000
    assert.deepEqual(await workerA.acquire(channelId), { probe: true })
    await assert.rejects(() => workerB.acquire(channelId))
    await workerA.recordSuccess(channelId)
    assert.equal((await workerB.state(channelId)).state, 'closed')
    assert.equal(await redis.exists(`parley:breaker:${channelId}`), 0)
  }).skip(!process.env.REDIS_HOST, 'needs REDIS_HOST')
})
