import { test } from '@japa/runner'
import { decodeTime, isValid } from 'ulidx'
import { newUlid } from '#core/helpers/ulid'

test.group('newUlid (pooled random bytes)', () => {
  test('valid, unique, time-ordered ids with evenly spread random characters', ({ assert }) => {
    const before = Date.now()
    const ids = Array.from({ length: 20_000 }, () => newUlid())
    const after = Date.now()
    assert.equal(new Set(ids).size, ids.length)
    for (const id of ids.slice(0, 500)) assert.isTrue(isValid(id), id)
    const times = ids.map((id) => decodeTime(id))
    assert.isAtLeast(Math.min(...times), before)
    assert.isAtMost(Math.max(...times), after)
    // 20,000 ids × 16 random characters: each of the 32 letters about 10,000 times.
    const counts = new Map<string, number>()
    for (const id of ids) {
      for (const char of id.slice(10)) counts.set(char, (counts.get(char) ?? 0) + 1)
    }
    assert.equal(counts.size, 32)
    for (const [char, count] of counts) {
      assert.isAbove(count, 8_500, char)
      assert.isBelow(count, 11_500, char)
    }
  })
})
