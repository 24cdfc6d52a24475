import { test } from '@japa/runner'
import { META_ERROR_CODES, classifyMetaError, lookupMetaError } from '#channels/meta/error_codes'

/** Every code of reference §5, with the action its Retry column implies. */
const EXPECTED: Record<number, 'retry' | 'wait' | 'give_up'> = {
  0: 'give_up',
  1: 'wait',
  2: 'retry',
  3: 'give_up',
  4: 'wait',
  10: 'give_up',
  33: 'give_up',
  100: 'give_up',
  190: 'give_up',
  200: 'give_up',
  368: 'give_up',
  470: 'give_up',
  80007: 'wait',
  130429: 'wait',
  130472: 'give_up',
  130497: 'give_up',
  131000: 'retry',
  131005: 'give_up',
  131008: 'give_up',
  131009: 'give_up',
  131016: 'retry',
  131021: 'give_up',
  131026: 'give_up',
  131031: 'give_up',
  131037: 'give_up',
  131042: 'give_up',
  131045: 'give_up',
  131047: 'give_up',
  131048: 'wait',
  131049: 'wait',
  131050: 'give_up',
  131051: 'give_up',
  131052: 'give_up',
  131053: 'give_up',
  131056: 'wait',
  131057: 'wait',
  131059: 'retry',
  131062: 'give_up',
  132000: 'give_up',
  132001: 'give_up',
  132005: 'give_up',
  132007: 'give_up',
  132012: 'give_up',
  132015: 'wait',
  132016: 'give_up',
  132018: 'give_up',
  132068: 'give_up',
  132069: 'wait',
  133000: 'give_up',
  133004: 'retry',
  133005: 'give_up',
  133006: 'give_up',
  133008: 'wait',
  133009: 'wait',
  133010: 'give_up',
  133015: 'wait',
  133016: 'wait',
  134011: 'give_up',
  135000: 'give_up',
  2388019: 'give_up',
  2388040: 'give_up',
  2388047: 'give_up',
  2388072: 'give_up',
  2388073: 'give_up',
  2388293: 'give_up',
  2388299: 'give_up',
}

const SECOND = 1000
const HOUR = 3600 * SECOND

test.group('Meta error codes', () => {
  test('every code of the reference is in the table with the right action', ({ assert }) => {
    for (const [code, action] of Object.entries(EXPECTED)) {
      const entry = META_ERROR_CODES[Number(code)]
      assert.exists(entry, `code ${code} is missing`)
      assert.equal(entry.action, action, `action of ${code}`)
      assert.isAbove(entry.userMessage.length, 20, `user message of ${code}`)
      assert.equal(classifyMetaError(Number(code), 1).action, action, `classification of ${code}`)
    }
    assert.sameMembers(Object.keys(META_ERROR_CODES), Object.keys(EXPECTED))
  })

  test('every wait code tells how long to wait', ({ assert }) => {
    for (const code of Object.keys(EXPECTED).map(Number)) {
      const result = classifyMetaError(code, 1)
      if (result.action === 'wait') assert.isAbove(result.retryAfterMs ?? 0, 0, `code ${code}`)
      if (result.action === 'give_up') assert.isNull(result.retryAfterMs, `code ${code}`)
    }
  })

  test('the whole 200-299 permission range is known', ({ assert }) => {
    assert.equal(lookupMetaError(250)?.action, 'give_up')
    assert.equal(classifyMetaError(299).action, 'give_up')
    assert.isTrue(classifyMetaError(201).known)
  })

  test('unknown codes give up with the Meta message', ({ assert }) => {
    const result = classifyMetaError(999_999, 1, 'Something odd happened')
    assert.isFalse(result.known)
    assert.equal(result.action, 'give_up')
    assert.isNull(result.retryAfterMs)
    assert.include(result.userMessage, 'Something odd happened')
    assert.equal(classifyMetaError(null).action, 'give_up')
  })

  test('131047 explains the 24-hour window to the agent', ({ assert }) => {
    const result = classifyMetaError(131047)
    assert.equal(result.action, 'give_up')
    assert.equal(
      result.userMessage,
      "More than 24 hours since the customer's last message: send an approved template instead."
    )
  })

  test('131056 pair-limit backoff grows as 4^X seconds', ({ assert }) => {
    const delays = [1, 2, 3, 4].map((attempt) => classifyMetaError(131056, attempt).retryAfterMs)
    assert.deepEqual(
      delays,
      [1, 4, 16, 64].map((s) => s * SECOND)
    )
  })

  test('throttling specifics', ({ assert }) => {
    const throughput = classifyMetaError(130429, 1).retryAfterMs!
    assert.isAtMost(throughput, 5 * SECOND)
    assert.isAtMost(classifyMetaError(130429, 20).retryAfterMs!, 60 * SECOND)
    assert.isAtLeast(classifyMetaError(131049, 1).retryAfterMs!, 24 * HOUR)
    assert.isAtLeast(classifyMetaError(131048, 1).retryAfterMs!, HOUR)
    for (const code of [4, 80007]) {
      assert.isAtLeast(classifyMetaError(code, 1).retryAfterMs!, 60 * SECOND)
    }
    const maintenance = classifyMetaError(131057, 1).retryAfterMs!
    assert.isAtLeast(maintenance, 30 * SECOND)
    assert.isAtMost(maintenance, 2 * 60 * SECOND)
    assert.equal(classifyMetaError(133016, 1).retryAfterMs, 72 * HOUR)
  })

  test('transient codes retry with a growing backoff', ({ assert }) => {
    for (const code of [2, 131016, 133004]) {
      const first = classifyMetaError(code, 1)
      const third = classifyMetaError(code, 3)
      assert.equal(first.action, 'retry')
      assert.isAbove(third.retryAfterMs!, first.retryAfterMs!)
    }
  })

  test('131000 is retried a limited number of times', ({ assert }) => {
    assert.equal(classifyMetaError(131000, 1).action, 'retry')
    assert.equal(classifyMetaError(131000, 2).action, 'retry')
    assert.equal(classifyMetaError(131000, 3).action, 'give_up')
  })

  test('classification ignores the HTTP status (400 vs 429)', ({ assert }) => {
    // The table is keyed by code only; the listed status is informative.
    assert.equal(META_ERROR_CODES[130429].httpStatus, 400)
    assert.equal(classifyMetaError(130429).action, 'wait')
  })
})
