import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { sqlDateTime, sqlDateTimeNotBefore } from '#core/helpers/sql_time'

test.group('SQL times', () => {
  test('a "not before" time rounds up to the second; sqlDateTime truncates', ({ assert }) => {
    const at = DateTime.fromISO('2026-11-22T12:00:00.400Z')
    assert.equal(sqlDateTime(at), '2026-11-22 12:00:00')
    assert.equal(sqlDateTimeNotBefore(at), '2026-11-22 12:00:01')
    // Already whole: unchanged.
    const whole = DateTime.fromISO('2026-11-22T12:00:05.000Z')
    assert.equal(sqlDateTimeNotBefore(whole), '2026-11-22 12:00:05')
    // Another zone is written in UTC, across a day boundary when it rounds up.
    const late = DateTime.fromISO('2026-11-23T01:29:59.999+01:30', { setZone: true })
    assert.equal(sqlDateTimeNotBefore(late), '2026-11-23 00:00:00')
  })
})
