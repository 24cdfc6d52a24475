import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Campaign from '#campaigns/models/campaign'
import Notification from '#core/models/notification'
import Contact from '#contacts/models/contact'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import ConsentEvent from '#contacts/models/consent_event'
import { recordConsent } from '#contacts/services/consent'
import { tenancy } from '#core/tenancy/context'
import { createMetaSimulator, type MetaSimulator } from '#channels/simulator/index'
import { circuitBreaker } from '#channels/circuit_breaker'
import { fromStored, sqlDateTime } from '#core/helpers/sql_time'
import {
  startCampaignDispatch,
  pauseCampaign,
  resumeCampaign,
  cancelCampaign,
  campaignProgress,
} from '#campaigns/dispatch/control'
import { runDispatch } from '#campaigns/dispatch/engine'
import { dispatchSettings } from '#campaigns/dispatch/settings'
import { drainQueue } from '#tests/helpers/queue'
import {
  SIM_TOKEN,
  makeDispatchFixture,
  recipientsOf,
  simulatorPort,
  statusCounts,
  type DispatchFixture,
} from '#tests/helpers/campaign_dispatch'

/**
 * The campaign dispatcher against the Meta simulator: every recipient
 * sent once with its callback data, counters and completion, the status
 * webhooks, reply attribution, each error-code path (failure injection),
 * pause / resume / cancel, the messaging-limit tier, the circuit breaker,
 * and two dispatchers racing on one campaign.
 */
test.group('Campaign dispatch', (group) => {
  let simulator: MetaSimulator

  group.setup(async () => {
    simulator = createMetaSimulator({
      port: simulatorPort(),
      appSecret: 'test-meta-app-secret',
      appId: 'test-app-id',
      webhookUrl: `http://127.0.0.1:${process.env.PORT}/webhooks/meta`,
      accessTokens: [SIM_TOKEN],
      numbers: [],
      autoStatuses: false,
    })
    await simulator.start()
    return () => simulator.stop()
  })

  group.each.setup(() => {
    simulator.state.forcedFailures.length = 0
    // A campaign left waiting (24 h, a tier window) keeps a delayed job:
    // drop it so later drains do not wait for it.
    return async () => {
      await db.from('jobs').where('name', 'campaigns.dispatch').where('status', 'waiting').delete()
    }
  })

  async function fixture(
    recipients: number,
    options: { mps?: number; messagingLimit?: string | null } = {}
  ): Promise<DispatchFixture & { phoneNumberId: string }> {
    const phoneNumberId = `PN${randomBytes(5).toString('hex')}`
    const wabaId = `WABA${randomBytes(4).toString('hex')}`
    simulator.state.addNumber({
      phoneNumberId,
      wabaId,
      displayPhoneNumber: '15550001111',
      verifiedName: 'Acme',
      mps: 1000,
    })
    const made = await makeDispatchFixture({
      phoneNumberId,
      wabaId,
      recipients,
      mps: options.mps ?? 500,
      messagingLimit: options.messagingLimit,
    })
    return { ...made, phoneNumberId }
  }

  const sendsOf = (phoneNumberId: string) =>
    simulator.state.sent.filter((sent) => sent.phoneNumberId === phoneNumberId)

  async function start(f: DispatchFixture) {
    await tenancy.run(f.workspace.id, () => startCampaignDispatch(f.campaign.id))
    await drainQueue({ timeoutMs: 30_000 })
    await simulator.idle()
    await drainQueue({ timeoutMs: 30_000 })
  }

  const reload = (f: DispatchFixture) =>
    tenancy.run(f.workspace.id, () => Campaign.findOrFail(f.campaign.id))

  test('every recipient is sent exactly once, with its callback data, and the campaign completes', async ({
    assert,
  }) => {
    const f = await fixture(40)
    await start(f)

    const sends = sendsOf(f.phoneNumberId)
    assert.lengthOf(sends, 40)
    const rows = await recipientsOf(f.campaign)
    assert.deepEqual(
      sends.map((sent) => sent.callbackData).sort(),
      rows.map((row) => `cr:${row.id}`).sort()
    )
    // Each contact got its own message, the template with its first name.
    assert.equal(new Set(sends.map((sent) => sent.waId)).size, 40)
    const body = sends[0].body as any
    assert.equal(body.type, 'template')
    assert.equal(body.template.name, f.template.name)
    assert.match(body.template.components[0].parameters[0].text, /^Customer$/)
    for (const row of rows) {
      assert.equal(row.status, 'sent')
      assert.isNotNull(row.wamid)
      assert.isNotNull(row.sent_at)
    }
    const campaign = await reload(f)
    assert.equal(campaign.status, 'completed')
    assert.isNotNull(campaign.completedAt)
    assert.equal(campaign.sentCount, 40)
    const variant = await db.from('campaign_variants').where('id', f.variant.id).first()
    assert.equal(Number(variant.sent_count), 40)
    const received = await db
      .from('contacts')
      .whereIn('id', f.contactIds)
      .sum('campaigns_received as n')
      .first()
    assert.equal(Number(received.n), 40)
    const notes = await tenancy.run(f.workspace.id, () =>
      Notification.query().where('user_id', f.owner.id).where('type', 'campaign.completed')
    )
    assert.lengthOf(notes, 1)

    const progress = await tenancy.run(f.workspace.id, () => campaignProgress(campaign))
    assert.equal(progress.total, 40)
    assert.equal(progress.sent, 40)
    assert.equal(progress.queued, 0)
  })

  test('two dispatchers racing on one campaign never send a recipient twice', async ({
    assert,
  }) => {
    const f = await fixture(300, { mps: 1000 })
    await tenancy.run(f.workspace.id, () =>
      Promise.all([
        runDispatch(f.campaign.id),
        runDispatch(f.campaign.id),
        runDispatch(f.campaign.id),
      ])
    )
    const sends = sendsOf(f.phoneNumberId)
    assert.lengthOf(sends, 300)
    assert.equal(new Set(sends.map((sent) => sent.callbackData)).size, 300)
    assert.deepEqual(await statusCounts(f.campaign), { sent: 300 })
    assert.equal((await reload(f)).sentCount, 300)
  })

  test('status webhooks move recipients forward once, read without delivered counts both', async ({
    assert,
  }) => {
    const f = await fixture(3)
    await start(f)
    const sends = sendsOf(f.phoneNumberId)
    const [a, b, c] = sends
    // a: sent → delivered → read (with a redelivery); b: read only; c: read, then a late delivered.
    await simulator.batch([
      { kind: 'status', id: a.id, status: 'sent' },
      { kind: 'status', id: a.id, status: 'delivered' },
      { kind: 'status', id: a.id, status: 'delivered' },
      { kind: 'status', id: a.id, status: 'read' },
      { kind: 'status', id: b.id, status: 'read' },
      { kind: 'status', id: c.id, status: 'read' },
      { kind: 'status', id: c.id, status: 'delivered' },
    ])
    await drainQueue()
    const campaign = await reload(f)
    assert.equal(campaign.sentCount, 3)
    assert.equal(campaign.deliveredCount, 3)
    assert.equal(campaign.readCount, 3)
    const rows = await recipientsOf(f.campaign)
    for (const row of rows) {
      assert.equal(row.status, 'read')
      assert.isNotNull(row.delivered_at)
      assert.isNotNull(row.read_at)
    }
    const read = await db
      .from('contacts')
      .whereIn('id', f.contactIds)
      .sum('campaigns_read as n')
      .first()
    assert.equal(Number(read.n), 3)
    const progress = await tenancy.run(f.workspace.id, () => campaignProgress(campaign))
    assert.equal(progress.rates.read, 1)
  })

  test('a status webhook proves a send the worker never recorded (claimed row becomes sent)', async ({
    assert,
  }) => {
    const f = await fixture(1)
    const [row] = await recipientsOf(f.campaign)
    // A worker claimed the row, sent it, and died before recording anything.
    await db
      .from('campaign_recipients')
      .where('id', row.id)
      .update({ status: 'sending', claim: 'dead-worker', claimed_at: '2020-01-01 00:00:00' })
    await simulator.batch([
      {
        kind: 'status',
        id: 'wamid.HBgLMTU1NTAwMDAwMDAVAgARGBI',
        status: 'sent',
        callbackData: `cr:${row.id}`,
        phoneNumberId: f.phoneNumberId,
        recipientId: f.waIds.get(row.contact_id),
      },
    ])
    await drainQueue()
    const [after] = await recipientsOf(f.campaign)
    assert.equal(after.status, 'sent')
    assert.equal(after.wamid, 'wamid.HBgLMTU1NTAwMDAwMDAVAgARGBI')
    // Then the dispatcher finds nothing to send and completes.
    await start(f)
    assert.lengthOf(sendsOf(f.phoneNumberId), 0)
    assert.equal((await reload(f)).status, 'completed')
    assert.equal((await reload(f)).sentCount, 1)
  })

  test('a stale claim with no webhook goes back to pending after the grace and is sent once', async ({
    assert,
  }) => {
    const f = await fixture(2)
    const rows = await recipientsOf(f.campaign)
    await db.from('campaign_recipients').where('id', rows[0].id).update({
      status: 'sending',
      claim: 'dead-worker',
      claimed_at: '2020-01-01 00:00:00',
      attempts: 1,
    })
    await start(f)
    const sends = sendsOf(f.phoneNumberId)
    assert.lengthOf(sends, 2)
    assert.deepEqual(await statusCounts(f.campaign), { sent: 2 })
    assert.equal((await reload(f)).status, 'completed')
  })

  test('a reply within the window is attributed once to the campaign, the variant and the contact', async ({
    assert,
  }) => {
    const f = await fixture(2)
    await start(f)
    const waId = f.waIds.get(f.contactIds[0])!
    await simulator.inbound({
      phoneNumberId: f.phoneNumberId,
      from: waId,
      type: 'text',
      text: 'Yes please',
    })
    await simulator.inbound({
      phoneNumberId: f.phoneNumberId,
      from: waId,
      type: 'text',
      text: 'And more',
    })
    await drainQueue()
    const campaign = await reload(f)
    assert.equal(campaign.repliedCount, 1)
    const variant = await db.from('campaign_variants').where('id', f.variant.id).first()
    assert.equal(Number(variant.replied_count), 1)
    const rows = await recipientsOf(f.campaign)
    assert.isNotNull(rows.find((row) => row.contact_id === f.contactIds[0])!.replied_at)
    assert.isNull(rows.find((row) => row.contact_id === f.contactIds[1])!.replied_at)
    const contact = await db.from('contacts').where('id', f.contactIds[0]).first()
    assert.equal(Number(contact.campaigns_replied), 1)
  })

  test('a reply after the window is not attributed', async ({ assert }) => {
    const f = await fixture(1)
    await start(f)
    await db
      .from('campaign_recipients')
      .where('campaign_id', f.campaign.id)
      .update({
        sent_at: DateTime.utc().minus({ hours: 80 }).toFormat('yyyy-LL-dd HH:mm:ss'),
      })
    await simulator.inbound({
      phoneNumberId: f.phoneNumberId,
      from: f.waIds.get(f.contactIds[0])!,
      type: 'text',
      text: 'late',
    })
    await drainQueue()
    assert.equal((await reload(f)).repliedCount, 0)
  })

  test('permanent errors fail the recipient with the code and the reason; the rest is sent', async ({
    assert,
  }) => {
    const f = await fixture(3)
    simulator.state.failNext(131008)
    await start(f)
    const rows = await recipientsOf(f.campaign)
    const failed = rows.filter((row) => row.status === 'failed')
    assert.lengthOf(failed, 1)
    assert.equal(Number(failed[0].error_code), 131008)
    assert.match(failed[0].error_reason, /required field/i)
    assert.equal(rows.filter((row) => row.status === 'sent').length, 2)
    const campaign = await reload(f)
    assert.equal(campaign.failedCount, 1)
    assert.equal(campaign.status, 'completed')
  })

  test('an async failure (131026 in a failed status webhook) fails the sent recipient', async ({
    assert,
  }) => {
    const f = await fixture(2)
    simulator.state.failNext(131026)
    await start(f)
    const rows = await recipientsOf(f.campaign)
    const failed = rows.filter((row) => row.status === 'failed')
    assert.lengthOf(failed, 1)
    assert.equal(Number(failed[0].error_code), 131026)
    assert.equal((await reload(f)).failedCount, 1)
  })

  test('131050 records a marketing opt-out and fails the recipient', async ({ assert }) => {
    const f = await fixture(1)
    simulator.state.failNext(131050)
    await start(f)
    const [row] = await recipientsOf(f.campaign)
    assert.equal(row.status, 'failed')
    assert.equal(Number(row.error_code), 131050)
    const events = await tenancy.run(f.workspace.id, () =>
      ConsentEvent.query().where('contact_id', f.contactIds[0])
    )
    assert.lengthOf(events, 1)
    assert.equal(events[0].event, 'opt_out')
    assert.equal(events[0].scope, 'marketing')
    assert.equal(events[0].source, 'error_131050')
  })

  test('a contact who opts out after preparation is skipped at send time, with the reason', async ({
    assert,
  }) => {
    const f = await fixture(3)
    await tenancy.run(f.workspace.id, () =>
      recordConsent({
        contactId: f.contactIds[1],
        event: 'opt_out',
        scope: 'marketing',
        source: 'keyword',
      })
    )
    await start(f)
    const rows = await recipientsOf(f.campaign)
    const skipped = rows.filter((row) => row.status === 'skipped')
    assert.lengthOf(skipped, 1)
    assert.equal(Number(skipped[0].contact_id), f.contactIds[1])
    assert.match(String(skipped[0].error_reason), /opted out/)
    const skippedRow = skipped[0]
    assert.sameMembers(
      sendsOf(f.phoneNumberId).map((sent) => sent.callbackData),
      rows.filter((row) => row.id !== skippedRow.id).map((row) => `cr:${row.id}`)
    )
    assert.notInclude(
      sendsOf(f.phoneNumberId).map((sent) => sent.waId),
      f.waIds.get(f.contactIds[1])!
    )
    assert.equal((await reload(f)).skippedCount, 1)
  })

  test('131049 waits at least 24 hours; it is not retried sooner', async ({ assert }) => {
    const f = await fixture(5)
    // One recipient is due later, so the campaign is still running when Meta's verdict comes.
    const later = f.contactIds[4]
    await db
      .from('campaign_recipients')
      .where('contact_id', later)
      .update({ due_at: DateTime.utc().plus({ hours: 1 }).toFormat('yyyy-LL-dd HH:mm:ss') })
    simulator.state.failNext(131049)
    await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    await simulator.idle()
    await drainQueue({ except: ['campaigns.dispatch'] })
    const rows = await recipientsOf(f.campaign)
    const held = rows.filter((row) => row.status === 'pending' && row.contact_id !== later)
    assert.lengthOf(held, 1)
    assert.equal(Number(held[0].error_code), 131049)
    assert.isNull(held[0].wamid)
    assert.isAtLeast(fromStored(held[0].due_at)!.diffNow('hours').hours, 23.9)
    assert.equal(rows.filter((row) => row.status === 'sent').length, 3)
    const campaign = await reload(f)
    assert.equal(campaign.sentCount, 3, 'the refused send no longer counts')
    assert.equal(campaign.status, 'running')
    // Another run (even with the other recipient due) does not send it again.
    await db.from('campaign_recipients').where('contact_id', later).update({ due_at: null })
    const outcome = await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    assert.equal(outcome.state, 'again')
    assert.lengthOf(sendsOf(f.phoneNumberId), 5)
    assert.equal((await reload(f)).sentCount, 4)
  })

  test('131056 (pair limit) retries that recipient after 4^n seconds; others go on', async ({
    assert,
  }) => {
    const f = await fixture(3)
    simulator.state.failNext(131056)
    await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    const waiting = (await recipientsOf(f.campaign)).find((row) => row.status === 'pending')
    // A run that lasted over a second (a busy machine) has sent the retry
    // already; otherwise the recipient waits and the next run sends it.
    if (waiting) {
      assert.equal(Number(waiting.error_code), 131056)
      const wait = fromStored(waiting.due_at)!.diffNow('milliseconds').milliseconds
      assert.isAtMost(wait, 2000)
      assert.deepEqual(await statusCounts(f.campaign), { pending: 1, sent: 2 })
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait) + 200))
      await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    }
    assert.deepEqual(await statusCounts(f.campaign), { sent: 3 })
    assert.deepEqual(
      (await recipientsOf(f.campaign)).map((row) => Number(row.attempts)).sort(),
      [1, 1, 2]
    )
    // The refused send is the first attempt; its retry left 4^0 = 1 s later, not at once.
    const times = simulator.state.sendAttempts
      .filter((attempt) => attempt.phoneNumberId === f.phoneNumberId)
      .map((attempt) => attempt.at)
    assert.lengthOf(times, 4)
    assert.isAtLeast(times[3] - times[0], 950)
  })

  test('130429 slows the channel down and the recipient is sent later, attempt not counted', async ({
    assert,
  }) => {
    const f = await fixture(2)
    simulator.state.failNext(130429)
    await start(f)
    assert.deepEqual(await statusCounts(f.campaign), { sent: 2 })
    const rows = await recipientsOf(f.campaign)
    assert.deepEqual(
      rows.map((row) => Number(row.attempts)),
      [1, 1]
    )
    assert.lengthOf(
      simulator.state.sendAttempts.filter((a) => a.phoneNumberId === f.phoneNumberId),
      3
    )
  })

  test('transient errors are retried with backoff, a bounded number of times', async ({
    assert,
  }) => {
    const f = await fixture(1)
    const previous = dispatchSettings.maxAttempts
    dispatchSettings.maxAttempts = 2
    try {
      simulator.state.failNext(131016, 2)
      await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
      let [row] = await recipientsOf(f.campaign)
      assert.equal(row.status, 'pending')
      assert.equal(Number(row.error_code), 131016)
      await db.from('campaign_recipients').where('id', row.id).update({ due_at: null })
      await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
      ;[row] = await recipientsOf(f.campaign)
      assert.equal(row.status, 'failed')
      assert.equal(Number(row.attempts), 2)
    } finally {
      dispatchSettings.maxAttempts = previous
    }
  })

  test('132015 (template paused) pauses the campaign with the reason; resume sends the rest', async ({
    assert,
  }) => {
    const f = await fixture(4)
    const later = f.contactIds[3]
    await db
      .from('campaign_recipients')
      .where('contact_id', later)
      .update({ due_at: DateTime.utc().plus({ hours: 1 }).toFormat('yyyy-LL-dd HH:mm:ss') })
    simulator.state.failNext(132015)
    await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    await simulator.idle()
    await drainQueue({ except: ['campaigns.dispatch'] })
    let campaign = await reload(f)
    assert.equal(campaign.status, 'paused')
    assert.match(campaign.failureReason ?? '', /132015/)
    assert.deepEqual(await statusCounts(f.campaign), { sent: 2, pending: 2 })
    const pausedNote = await tenancy.run(f.workspace.id, () =>
      Notification.query().where('user_id', f.owner.id).where('type', 'campaign.paused').first()
    )
    assert.exists(pausedNote)

    await db.from('campaign_recipients').where('contact_id', later).update({ due_at: null })
    await tenancy.run(f.workspace.id, async () => resumeCampaign(await reload(f)))
    await drainQueue({ timeoutMs: 30_000 })
    campaign = await reload(f)
    assert.equal(campaign.status, 'completed')
    assert.isNull(campaign.failureReason)
    assert.equal(campaign.sentCount, 4)
    assert.deepEqual(await statusCounts(f.campaign), { sent: 4 })
    // The refused one was sent again: 5 sends for 4 recipients.
    assert.lengthOf(sendsOf(f.phoneNumberId), 5)
  })

  test('131048 (spam limit) holds the whole campaign and shows why', async ({ assert }) => {
    const f = await fixture(5)
    simulator.state.failNext(131048)
    await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id, { lanes: 1 }))
    const counts = await statusCounts(f.campaign)
    assert.isAtLeast(counts.pending ?? 0, 1)
    const rows = await recipientsOf(f.campaign)
    for (const row of rows.filter((r) => r.status === 'pending')) {
      assert.isAtLeast(fromStored(row.due_at)!.diffNow('minutes').minutes, 50)
    }
    const progress = await tenancy.run(f.workspace.id, async () =>
      campaignProgress(await reload(f))
    )
    assert.equal(progress.waiting, 'spam_limit')
    assert.isNotNull(progress.waitingUntil)
  })

  test('pause stops sending, resume continues, cancel cancels what is left', async ({ assert }) => {
    const f = await fixture(30, { mps: 10 })
    await tenancy.run(f.workspace.id, async () => {
      const campaign = await Campaign.findOrFail(f.campaign.id)
      const run = runDispatch(f.campaign.id, { lanes: 1 })
      await new Promise((resolve) => setTimeout(resolve, 600))
      await pauseCampaign(campaign)
      const outcome = await run
      assert.equal(outcome.state, 'stopped')
      assert.equal(campaign.status, 'paused')
    })
    const afterPause = sendsOf(f.phoneNumberId).length
    assert.isAbove(afterPause, 0)
    assert.isBelow(afterPause, 30)
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.lengthOf(sendsOf(f.phoneNumberId), afterPause, 'nothing sent while paused')
    const counts = await statusCounts(f.campaign)
    assert.equal(counts.sent, afterPause)
    assert.equal(counts.pending, 30 - afterPause)

    await tenancy.run(f.workspace.id, async () => {
      await resumeCampaign(await Campaign.findOrFail(f.campaign.id))
      const run = runDispatch(f.campaign.id, { lanes: 1 })
      await new Promise((resolve) => setTimeout(resolve, 500))
      await cancelCampaign(await Campaign.findOrFail(f.campaign.id))
      await run
    })
    const final = await statusCounts(f.campaign)
    assert.isAbove(final.cancelled ?? 0, 0)
    assert.equal((final.sent ?? 0) + (final.cancelled ?? 0), 30)
    assert.equal(sendsOf(f.phoneNumberId).length, final.sent)
    const campaign = await reload(f)
    assert.equal(campaign.status, 'cancelled')
    assert.equal(campaign.sentCount, final.sent)
    const progress = await tenancy.run(f.workspace.id, () => campaignProgress(campaign))
    assert.equal(progress.cancelled, final.cancelled)
  })

  test('the messaging-limit tier stops at the cap and waits for the window', async ({ assert }) => {
    const f = await fixture(8, { messagingLimit: '5' })
    await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    assert.lengthOf(sendsOf(f.phoneNumberId), 5)
    const counts = await statusCounts(f.campaign)
    assert.deepEqual(counts, { sent: 5, pending: 3 })
    for (const row of (await recipientsOf(f.campaign)).filter((r) => r.status === 'pending')) {
      assert.isAtLeast(fromStored(row.due_at)!.diffNow('hours').hours, 23.9)
    }
    const progress = await tenancy.run(f.workspace.id, async () =>
      campaignProgress(await reload(f))
    )
    assert.equal(progress.waiting, 'messaging_limit')
    assert.equal((await reload(f)).status, 'running')
  })

  test('templates sent from the inbox in the last 24 h use up the same messaging-limit tier', async ({
    assert,
  }) => {
    const f = await fixture(8, { messagingLimit: '5' })
    await tenancy.run(f.workspace.id, async () => {
      for (const [index, hoursAgo] of [
        [1, 2],
        [2, 5],
        [3, 30], // outside the window: does not count
      ]) {
        const contact = await Contact.create({
          phone: `+1555700000${index}`,
          waId: `1555700000${index}`,
          source: 'manual',
        })
        const conversation = await Conversation.create({
          contactId: contact.id,
          channelId: f.channel.id,
          status: 'open',
          unreadCount: 0,
        })
        const message = await Message.create({
          conversationId: conversation.id,
          channelId: f.channel.id,
          direction: 'out',
          type: 'template',
          body: 'Your order shipped',
          status: 'sent',
          attempts: 1,
        })
        await db
          .from('messages')
          .where('id', message.id)
          .update({ created_at: sqlDateTime(DateTime.utc().minus({ hours: hoursAgo })) })
      }
    })
    await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    assert.lengthOf(sendsOf(f.phoneNumberId), 3)
    assert.deepEqual(await statusCounts(f.campaign), { sent: 3, pending: 5 })
  })

  test('an open circuit makes the dispatcher wait instead of failing recipients', async ({
    assert,
  }) => {
    const f = await fixture(3)
    await circuitBreaker.store.open(String(f.channel.id), Date.now() + 60_000, 60_000)
    try {
      const outcome = await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
      assert.equal(outcome.state, 'again')
      assert.deepEqual(await statusCounts(f.campaign), { pending: 3 })
      assert.lengthOf(sendsOf(f.phoneNumberId), 0)
      const rows = await recipientsOf(f.campaign)
      assert.deepEqual(
        rows.map((row) => Number(row.attempts)),
        [0, 0, 0]
      )
    } finally {
      await circuitBreaker.store.reset(String(f.channel.id))
    }
  })

  test('repeated transient failures open the circuit; recipients wait, none fails', async ({
    assert,
  }) => {
    // 10 msg/s: slots come in rounds of 5 (500 ms), so a later round meets the open breaker.
    const f = await fixture(12, { mps: 10 })
    simulator.state.failNext(131016, 50)
    try {
      const outcome = await tenancy.run(f.workspace.id, () =>
        runDispatch(f.campaign.id, { lanes: 1 })
      )
      assert.equal(outcome.state, 'again')
      const snapshot = await circuitBreaker.store.get(String(f.channel.id))
      assert.isAbove(snapshot?.openUntil ?? 0, Date.now(), 'the breaker is open')
      assert.deepEqual(await statusCounts(f.campaign), { pending: 12 })
      const attempted = sendsOf(f.phoneNumberId).length
      assert.equal(attempted, 0, 'refused sends are not accepted sends')
      const tried = simulator.state.sendAttempts.filter((a) => a.phoneNumberId === f.phoneNumberId)
      assert.isAtLeast(tried.length, circuitBreaker.failureThreshold)
      assert.isBelow(tried.length, 12, 'sending stopped once the breaker opened')
      const progress = await tenancy.run(f.workspace.id, async () =>
        campaignProgress(await reload(f))
      )
      assert.equal(progress.waiting, 'circuit_open')
    } finally {
      await circuitBreaker.store.reset(String(f.channel.id))
    }
  })

  test('a template that is no longer approved fails the campaign and tells the creator', async ({
    assert,
  }) => {
    const f = await fixture(2)
    await db.from('message_templates').where('id', f.template.id).update({ status: 'DISABLED' })
    await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    const campaign = await reload(f)
    assert.equal(campaign.status, 'failed')
    assert.match(campaign.failureReason ?? '', /disabled/i)
    assert.lengthOf(sendsOf(f.phoneNumberId), 0)
    const note = await tenancy.run(f.workspace.id, () =>
      Notification.query().where('user_id', f.owner.id).where('type', 'campaign.failed').first()
    )
    assert.exists(note)
  })

  test('a template paused by Meta pauses the campaign (it does not fail)', async ({ assert }) => {
    const f = await fixture(2)
    await db.from('message_templates').where('id', f.template.id).update({ status: 'PAUSED' })
    const outcome = await tenancy.run(f.workspace.id, () => runDispatch(f.campaign.id))
    assert.equal(outcome.state, 'stopped')
    const campaign = await reload(f)
    assert.equal(campaign.status, 'paused')
    assert.match(campaign.failureReason ?? '', /paused/i)
    assert.deepEqual(await statusCounts(f.campaign), { pending: 2 })
    assert.lengthOf(sendsOf(f.phoneNumberId), 0)
  })

  test('startCampaignDispatch is idempotent: one queued job', async ({ assert }) => {
    const f = await fixture(1)
    await tenancy.run(f.workspace.id, async () => {
      await startCampaignDispatch(f.campaign.id)
      await startCampaignDispatch(f.campaign.id)
    })
    const jobs = await db
      .from('jobs')
      .where('name', 'campaigns.dispatch')
      .whereIn('status', ['waiting', 'active'])
      .where('workspace_id', f.workspace.id)
    assert.lengthOf(jobs, 1)
    await drainQueue({ timeoutMs: 30_000 })
    assert.lengthOf(sendsOf(f.phoneNumberId), 1)
  })
})
