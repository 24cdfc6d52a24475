import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import { databaseLeases, redisLeases, type LeaseStore } from '#core/plugin_host/locks'

/**
 * `ctx.locks` leases (one live QR socket per number): one holder at a
 * time, renewable by the holder, taken over once expired, released only
 * by the holder. The same behaviour from both stores.
 */
async function exercise(store: LeaseStore, assert: any) {
  const key = `test:${randomBytes(4).toString('hex')}`
  assert.isTrue(await store.acquire(key, 'worker-a', 300), 'first taker wins')
  assert.isFalse(await store.acquire(key, 'worker-b', 300), 'held by a')
  assert.isTrue(await store.acquire(key, 'worker-a', 300), 'a renews its own lease')
  await store.release(key, 'worker-b')
  assert.isFalse(await store.acquire(key, 'worker-b', 300), 'b cannot release a lease of a')

  await new Promise((resolve) => setTimeout(resolve, 400))
  assert.isTrue(await store.acquire(key, 'worker-b', 300), 'b takes over once a stops renewing')
  assert.isFalse(await store.acquire(key, 'worker-a', 300), 'a lost it')
  await store.release(key, 'worker-b')
  assert.isTrue(await store.acquire(key, 'worker-a', 300), 'free again after release')
  await store.release(key, 'worker-a')
}

test.group('Plugin leases', () => {
  test('database store', async ({ assert }) => {
    await exercise(databaseLeases, assert)
  })

  test('redis store', async ({ assert }) => {
    await exercise(redisLeases, assert)
  }).skip(!process.env.REDIS_HOST, 'needs REDIS_HOST')
})
