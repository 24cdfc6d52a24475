import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import {
  storeWebhookEvent,
  webhookWriteStats,
  type PendingWebhookRow,
} from '#channels/webhooks/event_writer'
import { messagesEnvelope, inbound, metaJson, metaSignature } from '#tests/helpers/meta_payloads'

function row(marker: string): PendingWebhookRow {
  return {
    source: 'meta',
    channel_key: marker,
    status: 'processed',
    raw_body: `{"marker":"${marker}"}`,
    updates: 0,
    attempts: 0,
    available_at: 0,
    received_at: DateTime.now().toSQL({ includeOffset: false })!,
  }
}

test.group('Webhook request path: group commit', (group) => {
  group.each.teardown(async () => {
    await db.from('webhook_events').where('channel_key', 'like', 'gc-%').delete()
  })

  test('concurrent writes share INSERTs and each resolves only once stored', async ({ assert }) => {
    const before = webhookWriteStats()
    const markers = Array.from({ length: 40 }, (_, index) => `gc-${index}`)
    await Promise.all(
      markers.map(async (marker) => {
        await storeWebhookEvent(row(marker))
        // Resolved means committed: the row is readable by anyone now.
        const stored = await db.from('webhook_events').where('channel_key', marker).count('* as n')
        assert.equal(Number(stored[0].n), 1, marker)
      })
    )
    const after = webhookWriteStats()
    assert.equal(after.rows - before.rows, 40)
    assert.isBelow(after.statements - before.statements, 40)
    const total = await db
      .from('webhook_events')
      .where('channel_key', 'like', 'gc-%')
      .count('* as n')
    assert.equal(Number(total[0].n), 40)
  })

  test('a row the database refuses fails only its own request', async ({ assert }) => {
    const bad = { ...row('gc-bad'), status: null as unknown as string }
    const results = await Promise.allSettled([
      storeWebhookEvent(row('gc-a')),
      storeWebhookEvent(row('gc-b')),
      storeWebhookEvent(bad),
      storeWebhookEvent(row('gc-c')),
      storeWebhookEvent(row('gc-d')),
    ])
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']
    )
    const stored = await db
      .from('webhook_events')
      .where('channel_key', 'like', 'gc-%')
      .orderBy('channel_key')
      .select('channel_key')
    assert.deepEqual(
      stored.map((item) => item.channel_key),
      ['gc-a', 'gc-b', 'gc-c', 'gc-d']
    )
  })

  test('a burst of signed POSTs is answered 200 and every body is stored once', async ({
    client,
    assert,
  }) => {
    const before = await db.from('webhook_events').count('* as n')
    const bodies = Array.from({ length: 24 }, (_, index) =>
      metaJson(
        messagesEnvelope({
          phoneNumberId: 'PN-GROUP-COMMIT',
          messages: [
            inbound({ id: `wamid.gc.${index}`, type: 'text', text: { body: `burst ${index}` } }),
          ],
        })
      )
    )
    const responses = await Promise.all(
      bodies.map((body) =>
        client
          .post('/webhooks/meta')
          .header('content-type', 'application/json')
          .header('x-hub-signature-256', metaSignature(body, 'test-meta-app-secret'))
          .json(body)
      )
    )
    assert.deepEqual(
      responses.map((response) => response.status()),
      bodies.map(() => 200)
    )
    const rows = await db
      .from('webhook_events')
      .where('raw_body', 'like', '%PN-GROUP-COMMIT%')
      .select('raw_body')
    assert.sameMembers(
      rows.map((item) => item.raw_body),
      bodies
    )
    const after = await db.from('webhook_events').count('* as n')
    assert.equal(Number(after[0].n) - Number(before[0].n), 24)
  })
})
