import { test } from '@japa/runner'
import {
  ChannelPacer,
  DatabasePacerStore,
  MemoryPacerStore,
  RedisPacerStore,
  SendWindow,
  channelPacer,
  slotIntervalUs,
  PACER_MARGIN,
  sleep,
  type PacerStore,
} from '#channels/pacer'
import { ChannelRateLimiter } from '#channels/rate_limiter'
import { parseMessagingLimit } from '#campaigns/dispatch/settings'

/**
 * The channel pacer at unit level against each store: several "workers"
 * (pacer instances on one store) reserve slots for one channel as fast as
 * they can, and the slot times they are given never put more than the
 * limit in ANY one-second window (sliding, not fixed).
 */

let seq = 0
const channelId = () => `pacer-${process.pid}-${Date.now()}-${++seq}`

/** Most timestamps (ms) within any `windowMs` sliding window. */
function maxInWindow(times: number[], windowMs = 1000) {
  const sorted = [...times].sort((a, b) => a - b)
  let max = 0
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++
    max = Math.max(max, end - start + 1)
  }
  return max
}

/** `workers` pacers reserve batches for `durationMs`; returns every slot time (ms). */
async function hammer(store: PacerStore, mps: number, workers: number, durationMs: number) {
  const id = channelId()
  const slots: number[] = []
  const until = Date.now() + durationMs
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const pacer = new ChannelPacer(store)
      while (Date.now() < until) {
        const slot = await pacer.reserve(id, mps, 25, 300)
        const base = slot.at
        if (!slot.granted) {
          await sleep(slot.waitUs / 1000)
          continue
        }
        for (let i = 0; i < slot.granted; i++) slots.push(base + (i * slot.intervalUs) / 1000)
        await sleep(Math.max(0, base + (slot.granted * slot.intervalUs) / 1000 - Date.now() - 100))
      }
    })
  )
  return slots
}

async function holdsInAnyWindow(assert: any, store: PacerStore, mps: number) {
  const slots = await hammer(store, mps, 4, 2500)
  const max = maxInWindow(slots)
  assert.isAtMost(max, mps, `at most ${mps} in any second (got ${max})`)
  // …and the margin costs no more than it says: the pace is close to the limit.
  const spanS = (Math.max(...slots) - Math.min(...slots)) / 1000
  const rate = (slots.length - 1) / spanS
  assert.isAtLeast(rate, mps * (1 - PACER_MARGIN) * 0.97)
  assert.isAtMost(rate, mps)
}

test.group('Channel pacer', () => {
  test('slot spacing keeps the safety margin', ({ assert }) => {
    assert.equal(slotIntervalUs(1000), Math.ceil(1_000_000 / 980))
    assert.equal(slotIntervalUs(80), Math.ceil(1_000_000 / (80 * 0.98)))
    // A send fires at most 20 ms after its slot (engine LATE_MS): the
    // departures of any one second still fit in the limit.
    assert.isAtMost((1 - PACER_MARGIN) * 1.02, 1)
    assert.equal(slotIntervalUs(5000), slotIntervalUs(1000), 'capped at 1,000 mps')
  })

  test('memory store: four workers at 200 mps never exceed it in any one-second window', async ({
    assert,
  }) => {
    await holdsInAnyWindow(assert, new MemoryPacerStore(), 200)
  })

  test('database store: the limit holds across workers sharing the table', async ({ assert }) => {
    await holdsInAnyWindow(assert, new DatabasePacerStore(), 100)
  })

  test('redis store: the limit holds across workers (Lua script, Redis clock)', async ({
    assert,
  }) => {
    await holdsInAnyWindow(assert, new RedisPacerStore(), 1000)
  }).skip(!process.env.REDIS_HOST, 'needs REDIS_HOST')

  test('a reservation too far ahead is refused with the wait', async ({ assert }) => {
    const pacer = new ChannelPacer(new MemoryPacerStore())
    const id = channelId()
    const first = await pacer.reserve(id, 10, 100, 500)
    // 103 ms apart at 10 mps: slots at 0, 103, 206, 309 and 412 ms fit in 500 ms.
    assert.equal(first.granted, 5)
    const refused = await pacer.reserve(id, 10, 1, 0)
    assert.equal(refused.granted, 0)
    assert.isAbove(refused.waitUs, 400_000)
  })

  test('pushBack (a 130429) keeps everyone off the channel for the wait', async ({ assert }) => {
    const pacer = new ChannelPacer(new MemoryPacerStore())
    const id = channelId()
    await pacer.pushBack(id, 2000)
    const slot = await pacer.reserve(id, 100, 1, 5000)
    assert.isAtLeast(slot.waitUs, 1_900_000)
  })

  test('the inbox rate limiter shares the pacer: its sends take the same slots', async ({
    assert,
  }) => {
    const store = new MemoryPacerStore()
    const pacer = new ChannelPacer(store)
    const limiter = new ChannelRateLimiter({ defaultMps: 20, pacer, jitterMs: 0 })
    const id = channelId()
    // A campaign took the next second's slots…
    const campaign = await pacer.reserve(id, 20, 19, 1000)
    assert.equal(campaign.granted, 19)
    // …so an inbox send waits for the slot after them (about one second).
    const started = Date.now()
    assert.deepEqual(await limiter.acquire({ id, settings: { mps: 20 } }), { allowed: true })
    assert.isAtLeast(Date.now() - started, 900)
  })

  test('send window: at the limit, a send waits until an answer is a second old', ({ assert }) => {
    const window = new SendWindow(3)
    const t = 1_000_000
    assert.equal(window.tryStart(t), 0)
    assert.equal(window.tryStart(t), 0)
    window.finish(t + 10)
    assert.equal(window.tryStart(t + 20), 0)
    // Two in flight and one answered 10 ms ago: full.
    const wait = window.tryStart(t + 20)
    assert.isAtLeast(wait, 990)
    assert.equal(window.count(t + 20), 3)
    // The answer drops out of the window a second (+2 ms) after it was read…
    assert.isAbove(window.tryStart(t + 10 + 1001), 0)
    assert.equal(window.tryStart(t + 10 + SendWindow.WINDOW_MS), 0)
    // …while requests in flight stay counted however long they take.
    assert.equal(window.count(t + 60_000), 3)
    assert.equal(window.tryStart(t + 60_000), 1)
  })

  test('send window: whatever the delays, no second at the receiver holds more than the limit', async ({
    assert,
  }) => {
    // Senders push as fast as the window lets them; each request reaches
    // the "receiver" after a random delay (up to 60 ms, so many arrive in
    // bunches) and is answered up to 30 ms later.
    const limit = 100
    const window = new SendWindow(limit)
    const arrivals: number[] = []
    const inFlight: Promise<void>[] = []
    const until = Date.now() + 2500
    let refused = 0
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) {
          const hold = window.tryStart()
          if (hold) {
            refused++
            await sleep(hold)
            continue
          }
          inFlight.push(
            (async () => {
              await sleep(Math.random() * 60)
              arrivals.push(Date.now())
              await sleep(Math.random() * 30)
              window.finish()
            })()
          )
          await sleep(Math.random() < 0.05 ? 40 : 0)
        }
      })
    )
    await Promise.all(inFlight)
    const max = maxInWindow(arrivals)
    assert.isAtMost(max, limit, `at most ${limit} arrivals in any second (got ${max})`)
    // The senders did press against the limit (the test can fail).
    assert.isAbove(refused, 0)
    assert.isAtLeast(max, limit * 0.9)
  })

  test('inbox sends go through the same send window as campaign dispatch', async ({ assert }) => {
    const limiter = new ChannelRateLimiter({ defaultMps: 3, jitterMs: 0 })
    const id = channelId()
    // Campaign dispatch in this process has two requests in flight on the channel…
    const shared = channelPacer.window(id, 3)
    assert.equal(shared.tryStart(), 0)
    assert.equal(shared.tryStart(), 0)
    // …so one inbox send may leave, and the next waits for room.
    const order: string[] = []
    const first = limiter.withinWindow({ id, settings: { mps: 3 } }, async () => {
      order.push('inbox 1')
      return 'sent 1'
    })
    assert.equal(await first, 'sent 1')
    const startedAt = Date.now()
    const second = limiter.withinWindow({ id, settings: { mps: 3 } }, async () => {
      order.push('inbox 2')
    })
    await sleep(50)
    assert.deepEqual(order, ['inbox 1'], 'the window is full: the second send waits')
    shared.finish()
    shared.finish()
    await second
    // Room comes back when an answer is a second old, not when it arrives.
    assert.isAtLeast(Date.now() - startedAt, 900)
    assert.deepEqual(order, ['inbox 1', 'inbox 2'])
    channelPacer.reset(id)
  })

  test('messaging limit tiers', ({ assert }) => {
    assert.equal(parseMessagingLimit('TIER_250'), 250)
    assert.equal(parseMessagingLimit('TIER_2K'), 2000)
    assert.equal(parseMessagingLimit('TIER_10K'), 10_000)
    assert.equal(parseMessagingLimit('TIER_100K'), 100_000)
    assert.isNull(parseMessagingLimit('TIER_UNLIMITED'))
    assert.equal(parseMessagingLimit('1000'), 1000)
    assert.equal(parseMessagingLimit(250), 250)
    assert.isNull(parseMessagingLimit('-1'))
    assert.isNull(parseMessagingLimit(null))
    assert.isNull(parseMessagingLimit('whatever'))
  })
})
