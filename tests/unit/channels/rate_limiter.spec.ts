import { test } from '@japa/runner'
import { ChannelRateLimiter, channelMps } from '#channels/rate_limiter'

let seq = 0
/** Unique channel ids: the memory store lives for the whole test run. */
const channelId = () => `rl-${process.pid}-${Date.now()}-${++seq}`

async function burst(
  limiter: ChannelRateLimiter,
  channel: Parameters<ChannelRateLimiter['acquire']>[0],
  n: number
) {
  const results = []
  for (let i = 0; i < n; i++) results.push(await limiter.acquire(channel))
  return results
}

test.group('Channel rate limiter (memory store)', () => {
  test('80 sends allowed in the same second, the 81st refused', async ({ assert }) => {
    const limiter = new ChannelRateLimiter({ store: 'memory', defaultMps: 80 })
    const id = channelId()
    const results = await burst(limiter, id, 80)
    assert.isTrue(results.every((result) => result.allowed))
    const refused = await limiter.acquire(id)
    assert.isFalse(refused.allowed)
    if (!refused.allowed) {
      assert.isAbove(refused.retryAfterMs, 0)
      assert.isAtMost(refused.retryAfterMs, 1500)
    }
  })

  test('another channel is unaffected', async ({ assert }) => {
    const limiter = new ChannelRateLimiter({ store: 'memory', defaultMps: 80 })
    const busy = channelId()
    await burst(limiter, busy, 81)
    assert.isFalse((await limiter.acquire(busy)).allowed)
    assert.deepEqual(await limiter.acquire(channelId()), { allowed: true })
  })

  test('a per-channel override from settings.mps is honoured', async ({ assert }) => {
    const limiter = new ChannelRateLimiter({ store: 'memory', defaultMps: 80 })
    const channel = { id: channelId(), settings: { mps: 20 } }
    const results = await burst(limiter, channel, 20)
    assert.isTrue(results.every((result) => result.allowed))
    assert.isFalse((await limiter.acquire(channel)).allowed)

    const fast = { id: channelId(), settings: { mps: 100 } }
    const fastResults = await burst(limiter, fast, 100)
    assert.isTrue(fastResults.every((result) => result.allowed))
    assert.isFalse((await limiter.acquire(fast)).allowed)
  })

  test('the window resets after a second', async ({ assert }) => {
    const limiter = new ChannelRateLimiter({ store: 'memory', defaultMps: 2, jitterMs: 0 })
    const id = channelId()
    await burst(limiter, id, 2)
    const refused = await limiter.acquire(id)
    assert.isFalse(refused.allowed)
    await new Promise((resolve) => setTimeout(resolve, 1050))
    assert.deepEqual(await limiter.acquire(id), { allowed: true })
  })

  test('settings.mps parsing', ({ assert }) => {
    assert.equal(channelMps({ mps: 20 }, 80), 20)
    assert.equal(channelMps({ mps: '1000' }, 80), 1000)
    assert.equal(channelMps({ mps: 0 }, 80), 80)
    assert.equal(channelMps({ mps: 'fast' }, 80), 80)
    assert.equal(channelMps(null, 80), 80)
  })

  test('defaults to 80 messages per second', ({ assert }) => {
    assert.equal(new ChannelRateLimiter({ store: 'memory' }).defaultMps, 80)
  })
})

test.group('Channel rate limiter (shared stores)', () => {
  test('database store: the limit holds across limiter instances', async ({ assert }) => {
    // The count lives in the rate_limits table, whichever process asks.
    const workerA = new ChannelRateLimiter({ store: 'database', defaultMps: 5 })
    const workerB = new ChannelRateLimiter({ store: 'database', defaultMps: 5 })
    const id = channelId()
    const results = [...(await burst(workerA, id, 3)), ...(await burst(workerB, id, 2))]
    assert.isTrue(results.every((result) => result.allowed))
    const refused = await workerB.acquire(id)
    assert.isFalse(refused.allowed)
    if (!refused.allowed) assert.isAbove(refused.retryAfterMs, 0)
  })

  test('redis store: 80 allowed, the 81st refused', async ({ assert }) => {
    const limiter = new ChannelRateLimiter({ store: 'redis', defaultMps: 80 })
    const id = channelId()
    const results = await burst(limiter, id, 80)
    assert.isTrue(results.every((result) => result.allowed))
    assert.isFalse((await limiter.acquire(id)).allowed)
  }).skip(!process.env.REDIS_HOST, 'needs REDIS_HOST')
})
