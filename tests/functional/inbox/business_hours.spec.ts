import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import emitter from '@adonisjs/core/services/emitter'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import BusinessHour from '#inbox/models/business_hour'
import Holiday from '#inbox/models/holiday'
import AutoReply from '#inbox/models/auto_reply'
import AuditLog from '#core/models/audit_log'
import Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { recordInboundMessage } from '#inbox/actions/record_inbound_message'
import { recordInboundBatch } from '#inbox/actions/record_inbound_batch'
import { batchItem, conversationOfWaId } from '#tests/helpers/inbox'
import { recordConsent } from '#contacts/services/consent'
import {
  closedPeriodKey,
  closedPeriodKeyAt,
  isOpen,
  scheduleFor,
} from '#inbox/services/business_hours'
import { autoReplyClock } from '#inbox/listeners/auto_replies'
import { purgeWorkspace, retentionCutoff, retentionPurge } from '#inbox/jobs/retention_purge'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'

const KOLKATA = 'Asia/Kolkata'

/** A stored inbound message as `inbox:messages_received` carries it (a replayed event). */
function replayOf(message: Message, contactId: number, firstInbound: boolean) {
  return {
    conversationId: message.conversationId,
    messageId: message.id,
    contactId,
    channelId: message.channelId,
    type: message.type,
    body: message.body,
    at: message.providerTimestamp ?? message.createdAt,
    firstInbound,
  }
}

function randomWaId() {
  return `1555${(randomBytes(3).readUIntBE(0, 3) % 10_000_000).toString().padStart(7, '0')}`
}

async function sandboxOf(workspace: Workspace) {
  return tenancy.run(workspace.id, () => Channel.query().where('driver', 'sandbox').firstOrFail())
}

async function setTimezone(workspace: Workspace, zone: string) {
  await db.from('workspaces').where('id', workspace.id).update({ timezone: zone })
}

type Rows = { weekday: number; opensAt: string; closesAt: string; channelId?: number | null }[]

async function setHours(workspace: Workspace, rows: Rows, channelId: number | null = null) {
  await tenancy.run(workspace.id, async () => {
    const query = BusinessHour.query()
    if (channelId === null) query.whereNull('channel_id')
    else query.where('channel_id', channelId)
    await query.delete()
    if (rows.length) {
      await BusinessHour.createMany(rows.map((row) => ({ ...row, channelId })))
    }
  })
}

async function setReplies(
  workspace: Workspace,
  replies: { kind: 'away' | 'greeting'; locale: string; body: string }[]
) {
  await tenancy.run(workspace.id, async () => {
    await AutoReply.query().delete()
    await AutoReply.createMany(replies.map((reply) => ({ ...reply, enabled: true })))
  })
}

/** An inbound text from `waId` at `at`, through the real inbound pipeline. */
async function inboundText(
  channel: Channel,
  waId: string,
  text: string,
  at: DateTime = DateTime.now()
) {
  return tenancy.run(channel.workspaceId, () =>
    recordInboundMessage(channel, {
      kind: 'message',
      wabaId: null,
      phoneNumberId: channel.phoneNumberId ?? `sandbox:${channel.publicId}`,
      displayPhoneNumber: channel.displayPhoneNumber,
      contact: { waId, bsuid: null, profileName: 'Customer' },
      providerMessageId: `wamid.${randomBytes(8).toString('hex')}`,
      type: 'text',
      timestamp: Math.floor(at.toSeconds()),
      body: text,
      replyTo: null,
      media: null,
      payload: { text: { body: text } },
    })
  )
}

async function automatic(workspace: Workspace, conversationId?: number) {
  const rows = await tenancy.run(workspace.id, () => {
    const query = Message.query().where('direction', 'out').orderBy('id')
    if (conversationId) query.where('conversation_id', conversationId)
    return query
  })
  return rows
    .filter((row) => typeof row.payload.auto === 'string')
    .map((row) => ({ auto: row.payload.auto as string, body: row.body, at: row.createdAt }))
}

function hoursUrl(workspace: Workspace) {
  return `/w/${workspace.slug}/settings/hours`
}

const EMPTY_DAYS = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, intervals: [] }))

test.group('Business hours: settings', (group) => {
  group.each.teardown(() => {
    autoReplyClock.now = () => DateTime.now()
  })

  test('the page shows the defaults; saving hours, holidays and messages stores them', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const page = await client.get(hoursUrl(workspace)).loginAs(owner).withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('settings/hours')
    const props = page.inertiaProps as any
    assert.equal(props.scope.kind, 'workspace')
    assert.equal(props.form.mode, 'scheduled')
    assert.deepEqual(props.form.days[1].intervals, [{ opensAt: '09:00', closesAt: '17:00' }])
    assert.deepEqual(props.form.days[0].intervals, [])
    assert.includeMembers(props.locales, ['en', 'ar'])
    assert.lengthOf(props.form.replies, props.locales.length * 2)
    assert.equal(props.general.retentionMonths, 24)
    assert.equal(props.limits.minRetentionMonths, 12)

    const days = EMPTY_DAYS.map((day) =>
      day.weekday === 1
        ? {
            weekday: 1,
            intervals: [
              { opensAt: '14:00', closesAt: '18:00' },
              { opensAt: '09:00', closesAt: '13:00' },
            ],
          }
        : day.weekday === 5
          ? { weekday: 5, intervals: [{ opensAt: '22:00', closesAt: '24:00' }] }
          : day
    )
    const save = await client
      .put(hoursUrl(workspace))
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', hoursUrl(workspace))
      .json({
        mode: 'scheduled',
        days,
        holidays: [{ date: '2031-12-25', name: 'Christmas' }],
        replies: [
          { kind: 'away', locale: 'en', body: 'We are closed.', enabled: true },
          { kind: 'away', locale: 'ar', body: 'نحن مغلقون.', enabled: false },
          { kind: 'greeting', locale: 'en', body: '', enabled: false },
        ],
      })
      .redirects(0)
    save.assertStatus(302)
    save.assertFlashMessage('success', 'Business hours saved.')

    await tenancy.run(workspace.id, async () => {
      const hours = await BusinessHour.query().orderBy('weekday').orderBy('opens_at')
      assert.deepEqual(
        hours.map((row) => [row.weekday, row.opensAt, row.closesAt, row.channelId]),
        [
          [1, '09:00', '13:00', null],
          [1, '14:00', '18:00', null],
          [5, '22:00', '24:00', null],
        ]
      )
      const holidays = await Holiday.all()
      assert.deepEqual(
        holidays.map((row) => [row.date, row.name]),
        [['2031-12-25', 'Christmas']]
      )
      const replies = await AutoReply.query().orderBy('locale')
      assert.deepEqual(
        replies.map((row) => [row.kind, row.locale, row.enabled]),
        [
          ['away', 'ar', false],
          ['away', 'en', true],
        ]
      )
    })
    assert.exists(
      await AuditLog.query()
        .where('workspace_id', workspace.id)
        .where('action', 'hours.updated')
        .first()
    )

    const again = await client.get(hoursUrl(workspace)).loginAs(owner).withInertia()
    const saved = again.inertiaProps as any
    assert.deepEqual(saved.form.days[1].intervals, [
      { opensAt: '09:00', closesAt: '13:00' },
      { opensAt: '14:00', closesAt: '18:00' },
    ])
    assert.deepEqual(saved.form.holidays, [{ date: '2031-12-25', name: 'Christmas' }])
    assert.deepInclude(saved.form.replies, {
      kind: 'away',
      locale: 'en',
      body: 'We are closed.',
      enabled: true,
    })

    // Open around the clock: no rows at all.
    await client
      .put(hoursUrl(workspace))
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', hoursUrl(workspace))
      .json({ mode: 'always_open', days: EMPTY_DAYS, holidays: [], replies: [] })
      .redirects(0)
    assert.lengthOf(await tenancy.run(workspace.id, () => BusinessHour.all()), 0)
    const open = await client.get(hoursUrl(workspace)).loginAs(owner).withInertia()
    assert.equal((open.inertiaProps as any).form.mode, 'always_open')
    assert.isTrue((open.inertiaProps as any).status.open)
  })

  test('a channel inherits the workspace hours until it gets its own', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const url = `${hoursUrl(workspace)}/channels/${channel.publicId}`
    const page = await client.get(url).loginAs(owner).withInertia()
    page.assertStatus(200)
    const props = page.inertiaProps as any
    assert.deepEqual(props.scope, { kind: 'channel', id: channel.publicId, name: channel.name })
    assert.equal(props.form.mode, 'inherit')
    assert.deepEqual(
      props.channels.map((row: any) => [row.id, row.ownHours]),
      [[channel.publicId, false]]
    )

    const save = await client
      .put(url)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', url)
      .json({
        mode: 'always_open',
        days: EMPTY_DAYS,
        holidays: [{ date: '2031-01-01', name: 'New year' }],
        replies: [{ kind: 'greeting', locale: 'en', body: 'Hi from the sandbox', enabled: true }],
      })
      .redirects(0)
    save.assertStatus(302)
    await tenancy.run(workspace.id, async () => {
      const own = await BusinessHour.query().where('channel_id', channel.id)
      assert.lengthOf(own, 7, 'around the clock on a channel is seven all-day rows')
      assert.isTrue(own.every((row) => row.opensAt === '00:00' && row.closesAt === '24:00'))
      // The workspace's hours are untouched.
      assert.lengthOf(await BusinessHour.query().whereNull('channel_id'), 5)
      assert.lengthOf(await Holiday.query().where('channel_id', channel.id), 1)
      assert.lengthOf(await AutoReply.query().where('channel_id', channel.id), 1)
    })
    const after = await client.get(url).loginAs(owner).withInertia()
    assert.equal((after.inertiaProps as any).form.mode, 'always_open')
    assert.isTrue((after.inertiaProps as any).channels[0].ownHours)

    // Back to the workspace's hours.
    await client
      .put(url)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', url)
      .json({ mode: 'inherit', days: EMPTY_DAYS, holidays: [], replies: [] })
      .redirects(0)
    assert.lengthOf(
      await tenancy.run(workspace.id, () => BusinessHour.query().where('channel_id', channel.id)),
      0
    )
  })

  test('invalid hours, holidays and messages are reported inline, field by field', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const url = hoursUrl(workspace)
    const put = (body: Record<string, unknown>) =>
      client.put(url).loginAs(owner).withCsrfToken().header('referer', url).json(body).redirects(0)

    const bad = await put({
      mode: 'scheduled',
      days: [
        {
          weekday: 1,
          intervals: [
            { opensAt: '9:00', closesAt: '12:00' },
            { opensAt: '18:00', closesAt: '09:00' },
          ],
        },
        {
          weekday: 2,
          intervals: [
            { opensAt: '09:00', closesAt: '13:00' },
            { opensAt: '12:00', closesAt: '15:00' },
            { opensAt: '15:00', closesAt: '24:00' },
          ],
        },
        { weekday: 3, intervals: [{ opensAt: '22:00', closesAt: '02:00' }] },
        { weekday: 4, intervals: [{ opensAt: '24:00', closesAt: '24:00' }] },
      ],
      holidays: [
        { date: '2031-02-30', name: 'Nope' },
        { date: '2031-05-01', name: 'Labour day' },
        { date: '2031-05-01', name: 'Again' },
        { date: '01/05/2031', name: 'Wrong format' },
      ],
      replies: [
        { kind: 'away', locale: 'en', body: '', enabled: true },
        { kind: 'greeting', locale: 'en', body: 'x'.repeat(4097), enabled: true },
        { kind: 'away', locale: 'en', body: 'dup', enabled: false },
      ],
    })
    bad.assertStatus(302)
    let errors = (bad.flashMessages() as any).errors
    // VineJS checks the shape first: the over-long message.
    assert.deepEqual(errors['replies.1.body'], ['Use at most 4096 characters.'])

    const bad2 = await put({
      mode: 'scheduled',
      days: [
        {
          weekday: 1,
          intervals: [
            { opensAt: '9:00', closesAt: '12:00' },
            { opensAt: '18:00', closesAt: '09:00' },
          ],
        },
        {
          weekday: 2,
          intervals: [
            { opensAt: '09:00', closesAt: '13:00' },
            { opensAt: '12:00', closesAt: '15:00' },
            { opensAt: '15:00', closesAt: '24:00' },
          ],
        },
        { weekday: 3, intervals: [{ opensAt: '22:00', closesAt: '02:00' }] },
        { weekday: 4, intervals: [{ opensAt: '24:00', closesAt: '24:00' }] },
      ],
      holidays: [
        { date: '2031-02-30', name: 'Nope' },
        { date: '2031-05-01', name: 'Labour day' },
        { date: '2031-05-01', name: 'Again' },
        { date: '01/05/2031', name: 'Wrong format' },
      ],
      replies: [
        { kind: 'away', locale: 'en', body: '', enabled: true },
        { kind: 'greeting', locale: 'en', body: 'x'.repeat(4096), enabled: true },
        { kind: 'away', locale: 'en', body: 'dup', enabled: false },
      ],
    })
    errors = (bad2.flashMessages() as any).errors
    const first = (field: string) => (errors[field] ?? [])[0]
    assert.equal(first('days.0.intervals.0.opensAt'), 'Enter a time as HH:MM, for example 09:30.')
    assert.match(first('days.0.intervals.1.closesAt'), /^Closing must be after opening/)
    assert.equal(
      first('days.1.intervals.1.opensAt'),
      'These hours overlap other hours on the same day.'
    )
    assert.isUndefined(errors['days.1.intervals.2.opensAt'], 'touching intervals are fine')
    assert.match(first('days.2.intervals.0.closesAt'), /open the next day at 00:00/)
    assert.isDefined(errors['days.3.intervals.0.opensAt'], '24:00 only closes')
    assert.equal(first('holidays.0.date'), 'Enter a date as YYYY-MM-DD.')
    assert.isUndefined(errors['holidays.1.date'])
    assert.equal(first('holidays.2.date'), 'This date is already in the list.')
    assert.equal(first('holidays.3.date'), 'Enter a date as YYYY-MM-DD.')
    assert.equal(first('replies.0.body'), 'Write the message before turning it on.')
    assert.isUndefined(errors['replies.1.body'], '4096 characters are allowed')
    assert.equal(first('replies.2.locale'), 'This language appears twice.')

    const none = await put({ mode: 'scheduled', days: EMPTY_DAYS, holidays: [], replies: [] })
    errors = (none.flashMessages() as any).errors
    assert.match(errors.mode[0], /at least one day/)
    const inherit = await put({ mode: 'inherit', days: EMPTY_DAYS, holidays: [], replies: [] })
    assert.isDefined((inherit.flashMessages() as any).errors.mode)

    // Nothing was changed by the refused saves.
    await tenancy.run(workspace.id, async () => {
      assert.lengthOf(await BusinessHour.all(), 5)
      assert.lengthOf(await Holiday.all(), 0)
      assert.lengthOf(await AutoReply.all(), 0)
    })
  })

  test('timezone, retention (never under 12 months) and auto-away', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const url = `${hoursUrl(workspace)}/general`
    const put = (body: Record<string, unknown>) =>
      client
        .put(url)
        .loginAs(owner)
        .withCsrfToken()
        .header('referer', hoursUrl(workspace))
        .json(body)
        .redirects(0)

    const refused = await put({
      timezone: 'Mars/Olympus',
      retentionMonths: 11,
      autoAwayMinutes: -1,
    })
    refused.assertStatus(302)
    refused.assertFlashMessage('errors', {
      timezone: ['Choose a time zone from the list.'],
      retentionMonths: ['Conversation history is kept for at least 12 months.'],
      autoAwayMinutes: ['Enter a number of minutes from 0 to 1440.'],
    } as any)
    let fresh = await Workspace.findOrFail(workspace.id)
    assert.equal(fresh.retentionMonths, 24)
    assert.equal(fresh.timezone, workspace.timezone)

    const saved = await put({ timezone: KOLKATA, retentionMonths: 12, autoAwayMinutes: 0 })
    saved.assertStatus(302)
    saved.assertFlashMessage('success', 'Conversation settings saved.')
    fresh = await Workspace.findOrFail(workspace.id)
    assert.equal(fresh.timezone, KOLKATA)
    assert.equal(fresh.retentionMonths, 12)
    assert.equal(fresh.autoAwayMinutes, 0)
    const entry = await AuditLog.query()
      .where('workspace_id', workspace.id)
      .where('action', 'workspace.conversation_settings_updated')
      .firstOrFail()
    assert.equal((entry.after as any).retentionMonths, 12)
  })

  test('members without settings.workspace cannot open or change business hours', async ({
    client,
  }) => {
    const { workspace } = await makeWorkspace()
    const agent = await makeUser({ fullName: 'Agent' })
    await addMember(workspace, agent, 'agent')
    const page = await client.get(hoursUrl(workspace)).loginAs(agent).withInertia()
    page.assertStatus(403)
    for (const url of [hoursUrl(workspace), `${hoursUrl(workspace)}/general`]) {
      const save = await client
        .put(url)
        .loginAs(agent)
        .withCsrfToken()
        .header('accept', 'application/json')
        .json({})
      save.assertStatus(403)
    }
  })

  test("another workspace's channel is a 404 with an audit row", async ({ client, assert }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const channelOfA = await sandboxOf(a.workspace)
    const url = `${hoursUrl(b.workspace)}/channels/${channelOfA.publicId}`
    const page = await client.get(url).loginAs(b.owner).header('accept', 'application/json')
    page.assertStatus(404)
    const save = await client
      .put(url)
      .loginAs(b.owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ mode: 'always_open', days: EMPTY_DAYS, holidays: [], replies: [] })
    save.assertStatus(404)
    assert.exists(
      await AuditLog.query()
        .where('action', 'security.cross_tenant_denied')
        .where('target_id', channelOfA.publicId)
        .first()
    )
    assert.lengthOf(
      await tenancy.run(a.workspace.id, () =>
        BusinessHour.query().where('channel_id', channelOfA.id)
      ),
      0
    )
  })
})

test.group('Business hours: open or closed', () => {
  test('weekdays, several intervals, holidays and the workspace timezone', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await setTimezone(workspace, KOLKATA)
    await setHours(workspace, [
      { weekday: 1, opensAt: '09:00', closesAt: '13:00' },
      { weekday: 1, opensAt: '14:00', closesAt: '18:00' },
      { weekday: 2, opensAt: '09:00', closesAt: '17:00' },
      { weekday: 5, opensAt: '22:00', closesAt: '24:00' },
      { weekday: 6, opensAt: '00:00', closesAt: '02:00' },
    ])
    await tenancy.run(workspace.id, () => Holiday.create({ date: '2031-03-11', name: 'Closed' }))
    // 2031-03-03 is a Monday. Times are Kolkata's (UTC+05:30).
    const local = (iso: string) => DateTime.fromISO(iso, { zone: KOLKATA })
    const open = (iso: string) => isOpen(workspace.id, null, local(iso))

    assert.isFalse(await open('2031-03-03T08:59'))
    assert.isTrue(await open('2031-03-03T09:00'))
    assert.isTrue(await open('2031-03-03T12:59'))
    assert.isFalse(await open('2031-03-03T13:30'), 'lunch break between two intervals')
    assert.isTrue(await open('2031-03-03T14:00'))
    assert.isFalse(await open('2031-03-03T18:00'), 'closing time is exclusive')
    assert.isTrue(await open('2031-03-04T16:30'))
    assert.isFalse(await open('2031-03-05T10:00'), 'no hours on Wednesday')
    assert.isFalse(await open('2031-03-11T10:00'), 'a holiday on a Tuesday')
    assert.isTrue(await open('2031-03-07T23:30'), 'Friday night')
    assert.isTrue(await open('2031-03-08T01:30'), 'past midnight, split at 24:00')
    assert.isFalse(await open('2031-03-08T02:00'))
    // The same instant in UTC: 10:00 in Kolkata is 04:30Z.
    assert.isTrue(await isOpen(workspace.id, null, DateTime.fromISO('2031-03-03T04:30Z')))
    assert.isFalse(await isOpen(workspace.id, null, DateTime.fromISO('2031-03-03T02:30Z')))

    const key = (iso: string) => closedPeriodKey(workspace.id, null, local(iso))
    assert.isNull(await key('2031-03-03T10:00'))
    // Lunch: the period began at 13:00 Kolkata = 07:30Z.
    assert.equal(await key('2031-03-03T13:30'), '2031-03-03T07:30:00.000Z')
    // The evening and the next morning share one period (from 18:00 = 12:30Z).
    assert.equal(await key('2031-03-03T20:00'), '2031-03-03T12:30:00.000Z')
    assert.equal(await key('2031-03-04T08:00'), '2031-03-03T12:30:00.000Z')
    // From Tuesday 17:00 through Wednesday until Friday 22:00.
    assert.equal(await key('2031-03-05T12:00'), '2031-03-04T11:30:00.000Z')
    assert.equal(await key('2031-03-07T21:00'), '2031-03-04T11:30:00.000Z')
    // Friday night and Saturday until 02:00 are one opening.
    assert.equal(await key('2031-03-08T03:00'), '2031-03-07T20:30:00.000Z')
    // The holiday extends the period that began Monday 18:00.
    assert.equal(await key('2031-03-11T10:00'), '2031-03-10T12:30:00.000Z')
    // Keys of later periods sort after earlier ones.
    assert.isAbove(
      (await key('2031-03-08T03:00'))!.localeCompare((await key('2031-03-07T21:00'))!),
      0
    )
  })

  test('a channel with its own hours replaces the workspace hours; holidays add up', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    await setTimezone(workspace, KOLKATA)
    const local = (iso: string) => DateTime.fromISO(iso, { zone: KOLKATA })
    // Provisioned workspace hours: Monday to Friday 09:00-17:00.
    assert.isTrue(await isOpen(workspace.id, channel.id, local('2031-03-03T10:00')))
    assert.isFalse(await isOpen(workspace.id, channel.id, local('2031-03-08T11:00')))

    await setHours(workspace, [{ weekday: 6, opensAt: '10:00', closesAt: '12:00' }], channel.id)
    assert.isFalse(await isOpen(workspace.id, channel.id, local('2031-03-03T10:00')))
    assert.isTrue(await isOpen(workspace.id, channel.id, local('2031-03-08T11:00')))
    // The workspace itself keeps its hours.
    assert.isTrue(await isOpen(workspace.id, null, local('2031-03-03T10:00')))
    assert.isFalse(await isOpen(workspace.id, null, local('2031-03-08T11:00')))

    await tenancy.run(workspace.id, async () => {
      await Holiday.create({ date: '2031-03-15', name: 'Channel day off', channelId: channel.id })
      await Holiday.create({ date: '2031-03-22', name: 'Everyone off' })
    })
    assert.isFalse(await isOpen(workspace.id, channel.id, local('2031-03-15T11:00')))
    assert.isFalse(await isOpen(workspace.id, channel.id, local('2031-03-22T11:00')))
    assert.isTrue(await isOpen(workspace.id, channel.id, local('2031-03-29T11:00')))
    // The channel's holiday does not close the workspace.
    const schedule = await scheduleFor(workspace.id, null)
    assert.isFalse(schedule.holidays.has('2031-03-15'))
    assert.isTrue(schedule.holidays.has('2031-03-22'))
  })

  test('no hours at all: open around the clock except on holidays', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await setHours(workspace, [])
    const at = DateTime.fromISO('2031-03-09T03:00', { zone: workspace.timezone })
    assert.isTrue(await isOpen(workspace.id, null, at))
    assert.isNull(await closedPeriodKey(workspace.id, null, at))
    await tenancy.run(workspace.id, () => Holiday.create({ date: '2031-03-09', name: 'Off' }))
    assert.isFalse(await isOpen(workspace.id, null, at))
    assert.equal(
      await closedPeriodKey(workspace.id, null, at),
      DateTime.fromISO('2031-03-09T00:00', { zone: workspace.timezone }).toUTC().toISO()
    )
    // Closed for longer than the look-back: one constant key.
    const schedule = await scheduleFor(workspace.id, null)
    schedule.intervals = [{ weekday: 1, opensAt: '09:00', closesAt: '10:00' }]
    for (let day = 0; day < 500; day++) {
      schedule.holidays.add(at.minus({ days: day }).toISODate()!)
    }
    assert.equal(closedPeriodKeyAt(schedule, at), '0000-closed')
  })
})

/**
 * A one-hour opening a few hours after `base`, on one day in `zone`;
 * the time around it is closed.
 */
function openingAfter(base: DateTime, zone: string) {
  for (let hours = 2; hours <= 12; hours++) {
    const start = base.setZone(zone).plus({ hours }).startOf('minute')
    const end = start.plus({ hours: 1 })
    if (start.toISODate() !== end.toISODate()) continue
    return {
      start,
      end,
      row: {
        weekday: start.weekday % 7,
        opensAt: start.toFormat('HH:mm'),
        closesAt: end.toFormat('HH:mm'),
      },
    }
  }
  throw new Error('no opening found')
}

test.group('Business hours: away and greeting messages', (group) => {
  group.each.teardown(async () => {
    autoReplyClock.now = () => DateTime.now()
  })

  test('away once per closed period, even for concurrent messages; again in the next period; never inside hours', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    await setTimezone(workspace, KOLKATA)
    const base = DateTime.now().minus({ hours: 22 }).startOf('minute')
    const opening = openingAfter(base, KOLKATA)
    await setHours(workspace, [opening.row])
    await setReplies(workspace, [
      { kind: 'away', locale: 'en', body: 'We are closed; we answer when we open.' },
      { kind: 'greeting', locale: 'en', body: 'Hello! How can we help?' },
    ])
    const waId = randomWaId()
    const conversation = await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId, phone: `+${waId}` })
      return Conversation.create({
        contactId: contact.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
      })
    })

    // Three deliveries of the closed period at once.
    autoReplyClock.now = () => base.plus({ minutes: 2 })
    const results = await Promise.all([
      inboundText(channel, waId, 'Hello?', base),
      inboundText(channel, waId, 'Anyone there?', base.plus({ seconds: 20 })),
      inboundText(channel, waId, 'I need help', base.plus({ seconds: 40 })),
    ])
    assert.isTrue(results.every((result) => result.message.conversationId === conversation.id))
    let sent = await automatic(workspace, conversation.id)
    assert.deepEqual(
      sent.map((entry) => entry.auto),
      ['away'],
      'one away message and no greeting outside hours'
    )
    assert.equal(sent[0].body, 'We are closed; we answer when we open.')

    // Later in the same closed period; and a replay of the first event.
    autoReplyClock.now = () => base.plus({ minutes: 31 })
    await inboundText(channel, waId, 'Still waiting', base.plus({ minutes: 30 }))
    await emitter.emit('inbox:messages_received', {
      workspaceId: workspace.id,
      messages: [replayOf(results[0].message, conversation.contactId, true)],
    })
    assert.lengthOf(await automatic(workspace, conversation.id), 1)

    // Inside business hours: nothing automatic (the conversation was greeted by the away message).
    const inside = opening.start.plus({ minutes: 10 })
    autoReplyClock.now = () => inside.plus({ minutes: 1 })
    await inboundText(channel, waId, 'Are you open now?', inside)
    assert.lengthOf(await automatic(workspace, conversation.id), 1)

    // The next closed period: one more away message.
    const after = opening.end.plus({ minutes: 30 })
    autoReplyClock.now = () => after.plus({ minutes: 1 })
    await Promise.all([
      inboundText(channel, waId, 'One more thing', after),
      inboundText(channel, waId, 'and another', after.plus({ seconds: 5 })),
    ])
    sent = await automatic(workspace, conversation.id)
    assert.deepEqual(
      sent.map((entry) => entry.auto),
      ['away', 'away']
    )
    const stored = await tenancy.run(workspace.id, () => Conversation.findOrFail(conversation.id))
    assert.equal(stored.awaySentPeriod, opening.end.toUTC().toISO())
    assert.isNotNull(stored.greetingSentAt)

    // An old message (offline history, a late redelivery) gets no answer.
    autoReplyClock.now = () => DateTime.now()
    const other = randomWaId()
    await inboundText(channel, other, 'From yesterday', base)
    const otherConversation = await tenancy.run(workspace.id, () =>
      Conversation.query()
        .whereHas('contact', (query) => query.where('wa_id', other))
        .firstOrFail()
    )
    assert.lengthOf(await automatic(workspace, otherConversation.id), 0)

    // The away messages go out like any reply.
    await drainQueue()
    const out = await tenancy.run(workspace.id, () =>
      Message.query().where('conversation_id', conversation.id).where('direction', 'out')
    )
    assert.isTrue(out.every((message) => message.status === 'sent'))
    assert.isTrue(out.every((message) => message.sentById === null))
  })

  test('greeting only for the first message of a new conversation, in its language', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    await setHours(workspace, [])
    await setReplies(workspace, [
      { kind: 'greeting', locale: 'en', body: 'Welcome!' },
      { kind: 'greeting', locale: 'ar', body: 'أهلًا بك!' },
      { kind: 'away', locale: 'en', body: 'Closed.' },
    ])
    const waId = randomWaId()
    const first = await inboundText(channel, waId, 'Hi')
    const conversationId = first.message.conversationId
    await inboundText(channel, waId, 'Second message')
    await emitter.emit('inbox:messages_received', {
      workspaceId: workspace.id,
      messages: [replayOf(first.message, first.contactId!, true)],
    })
    assert.deepEqual(
      (await automatic(workspace, conversationId)).map((entry) => [entry.auto, entry.body]),
      [['greeting', 'Welcome!']]
    )

    // Resolved; the customer writes again: a new conversation, greeted again,
    // in the conversation's language when it is known.
    await tenancy.run(workspace.id, async () => {
      const conversation = await Conversation.findOrFail(conversationId)
      conversation.status = 'resolved'
      await conversation.save()
    })
    const next = await tenancy.run(workspace.id, async () => {
      const contact = await Contact.findByOrFail('wa_id', waId)
      return Conversation.create({
        contactId: contact.id,
        channelId: channel.id,
        status: 'open',
        unreadCount: 0,
        language: 'ar-EG',
      })
    })
    await inboundText(channel, waId, 'مرحبا')
    assert.deepEqual(
      (await automatic(workspace, next.id)).map((entry) => [entry.auto, entry.body]),
      [['greeting', 'أهلًا بك!']]
    )

    // A conversation that already had inbound messages is not new.
    const old = randomWaId()
    const existing = await inboundText(channel, old, 'Before greetings existed')
    await tenancy.run(workspace.id, async () => {
      await Message.query().where('conversation_id', existing.message.conversationId).delete()
      await Message.create({
        conversationId: existing.message.conversationId,
        channelId: channel.id,
        direction: 'in',
        type: 'text',
        body: 'Earlier',
        payload: {},
        status: 'received',
        attempts: 0,
      })
      await db
        .from('conversations')
        .where('id', existing.message.conversationId)
        .update({ greeting_sent_at: null })
    })
    await inboundText(channel, old, 'Hello again')
    assert.lengthOf(await automatic(workspace, existing.message.conversationId), 0)

    // Disabled replies send nothing.
    await tenancy.run(workspace.id, () => AutoReply.query().update({ enabled: false }))
    const fresh = await inboundText(channel, randomWaId(), 'Hi')
    assert.lengthOf(await automatic(workspace, fresh.message.conversationId), 0)
    await drainQueue()
  })

  test('no automatic message to a contact who opts out, nor for a STOP keyword', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    await setHours(workspace, [])
    await tenancy.run(workspace.id, () =>
      Holiday.create({ date: DateTime.now().setZone(workspace.timezone).toISODate()!, name: 'X' })
    )
    await setReplies(workspace, [
      { kind: 'greeting', locale: 'en', body: 'Welcome!' },
      { kind: 'away', locale: 'en', body: 'Closed today.' },
    ])
    // Closed today: the away message would be due.
    assert.isFalse(await isOpen(workspace.id, channel.id))

    const stopper = randomWaId()
    const stop = await inboundText(channel, stopper, 'STOP')
    const stopConversation = stop.message.conversationId
    const out = await tenancy.run(workspace.id, () =>
      Message.query().where('conversation_id', stopConversation).where('direction', 'out')
    )
    assert.lengthOf(out, 1, 'only the opt-out confirmation')
    assert.notProperty(out[0].payload, 'auto')
    assert.match(out[0].body!, /no longer receive marketing/)

    // A contact who opted out of every message hears nothing automatic.
    const silent = randomWaId()
    await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: silent, phone: `+${silent}` })
      await recordConsent({
        contactId: contact.id,
        event: 'opt_out',
        scope: 'utility',
        source: 'agent',
      })
    })
    const quiet = await inboundText(channel, silent, 'hello')
    assert.lengthOf(await automatic(workspace, quiet.message.conversationId), 0)

    // Everyone else gets the away message.
    const other = await inboundText(channel, randomWaId(), 'hello')
    assert.deepEqual(
      (await automatic(workspace, other.message.conversationId)).map((entry) => entry.auto),
      ['away']
    )
    await drainQueue()
  })

  test('the channel’s own messages are used before the workspace’s', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    await setHours(workspace, [])
    await tenancy.run(workspace.id, async () => {
      await AutoReply.createMany([
        { kind: 'greeting', locale: 'en', body: 'Workspace hello', enabled: true },
        {
          kind: 'greeting',
          locale: 'fr',
          body: 'Bonjour du canal',
          channelId: channel.id,
          enabled: true,
        },
      ])
    })
    const result = await inboundText(channel, randomWaId(), 'Hi')
    assert.deepEqual(
      (await automatic(workspace, result.message.conversationId)).map((entry) => entry.body),
      ['Bonjour du canal'],
      'the channel has its own greeting: used even in another language'
    )
    await drainQueue()
  })

  test('one webhook batch: one away message per conversation, one greeting per new conversation, none for a keyword', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    await setTimezone(workspace, KOLKATA)
    const base = DateTime.now().minus({ hours: 22 }).startOf('minute')
    const opening = openingAfter(base, KOLKATA)
    await setHours(workspace, [opening.row])
    await setReplies(workspace, [
      { kind: 'away', locale: 'en', body: 'Closed now.' },
      { kind: 'greeting', locale: 'en', body: 'Welcome!' },
    ])
    const item = (waId: string, body: string, at: DateTime) =>
      batchItem(channel, waId, body, { at })
    const conversationOf = (waId: string) => conversationOfWaId(workspace, waId)

    // Closed: two customers, several messages each, in one batch.
    const [ana, ben] = [randomWaId(), randomWaId()]
    autoReplyClock.now = () => base.plus({ minutes: 2 })
    await tenancy.run(workspace.id, () =>
      recordInboundBatch([
        item(ana, 'Hello?', base),
        item(ben, 'Hi there', base),
        item(ana, 'Anyone?', base.plus({ seconds: 20 })),
        item(ana, 'Please', base.plus({ seconds: 40 })),
        item(ben, 'Help', base.plus({ seconds: 30 })),
      ])
    )
    for (const waId of [ana, ben]) {
      const conversation = await conversationOf(waId)
      assert.deepEqual(
        (await automatic(workspace, conversation.id)).map((entry) => entry.body),
        ['Closed now.'],
        waId
      )
    }

    // Open: a new customer writes twice, another only STOP.
    const inside = opening.start.plus({ minutes: 10 })
    autoReplyClock.now = () => inside.plus({ minutes: 1 })
    const [cy, dee] = [randomWaId(), randomWaId()]
    await tenancy.run(workspace.id, () =>
      recordInboundBatch([
        item(cy, 'Good morning', inside),
        item(dee, 'STOP', inside),
        item(cy, 'Are you there?', inside.plus({ seconds: 5 })),
      ])
    )
    assert.deepEqual(
      (await automatic(workspace, (await conversationOf(cy)).id)).map((entry) => entry.body),
      ['Welcome!']
    )
    assert.deepEqual(
      (await automatic(workspace, (await conversationOf(dee)).id)).map((entry) => entry.auto),
      []
    )
    await drainQueue()
  })
})

test.group('Retention', () => {
  async function messageAt(
    workspace: Workspace,
    conversationId: number,
    channelId: number,
    at: DateTime
  ) {
    return tenancy.run(workspace.id, async () => {
      const message = await Message.create({
        conversationId,
        channelId,
        direction: 'in',
        type: 'text',
        body: `at ${at.toISODate()}`,
        payload: {},
        status: 'received',
        attempts: 0,
      })
      await db
        .from('messages')
        .where('id', message.id)
        .update({ created_at: at.toSQL({ includeOffset: false }) })
      return message.id
    })
  }

  async function conversationAt(workspace: Workspace, channelId: number, lastAt: DateTime) {
    return tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: randomWaId() })
      const conversation = await Conversation.create({
        contactId: contact.id,
        channelId,
        status: 'resolved',
        unreadCount: 0,
        lastMessageAt: lastAt,
      })
      return conversation.id
    })
  }

  test('messages older than the retention are deleted, newer ones kept; never under 12 months', async ({
    assert,
  }) => {
    const now = DateTime.now()
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const channelA = await sandboxOf(a.workspace)
    const channelB = await sandboxOf(b.workspace)
    await db.from('workspaces').where('id', a.workspace.id).update({ retention_months: 13 })
    // Below the floor in the database (never through the settings): 12 applies.
    await db.from('workspaces').where('id', b.workspace.id).update({ retention_months: 6 })

    const oldOnly = await conversationAt(a.workspace, channelA.id, now.minus({ months: 14 }))
    const gone = await messageAt(a.workspace, oldOnly, channelA.id, now.minus({ months: 14 }))
    const mixed = await conversationAt(a.workspace, channelA.id, now.minus({ months: 1 }))
    const mixedOld = await messageAt(
      a.workspace,
      mixed,
      channelA.id,
      now.minus({ months: 13, days: 2 })
    )
    const mixedNew = await messageAt(
      a.workspace,
      mixed,
      channelA.id,
      now.minus({ months: 12, days: 15 })
    )
    // Empty but recent: kept.
    const recentEmpty = await conversationAt(a.workspace, channelA.id, now.minus({ days: 3 }))

    // Their media files: the old message's goes with it, the newer one's stays.
    const disk = drive.use()
    const media = async (id: number) => {
      const path = `workspaces/${a.workspace.id}/media/${id}.jpg`
      await disk.put(path, 'jpeg bytes')
      await db.from('messages').where('id', id).update({ media_path: path })
      return path
    }
    const goneFile = await media(gone)
    const keptFile = await media(mixedNew)

    const inB = await conversationAt(b.workspace, channelB.id, now.minus({ months: 7 }))
    const bEight = await messageAt(b.workspace, inB, channelB.id, now.minus({ months: 8 }))
    const bThirteen = await messageAt(b.workspace, inB, channelB.id, now.minus({ months: 13 }))

    assert.equal(
      retentionCutoff(6, now).toISODate(),
      now.minus({ months: 12 }).toISODate(),
      'the floor applies whatever the column says'
    )

    await retentionPurge()

    const remaining = async (workspace: Workspace, ids: number[]) =>
      (await tenancy.run(workspace.id, () => Message.query().whereIn('id', ids).select('id'))).map(
        (row) => row.id
      )
    assert.sameMembers(await remaining(a.workspace, [gone, mixedOld, mixedNew]), [mixedNew])
    assert.sameMembers(await remaining(b.workspace, [bEight, bThirteen]), [bEight])
    assert.isFalse(await disk.exists(goneFile))
    assert.isTrue(await disk.exists(keptFile))
    await disk.delete(keptFile)
    const conversations = await tenancy.run(a.workspace.id, () =>
      Conversation.query().whereIn('id', [oldOnly, mixed, recentEmpty]).select('id')
    )
    assert.sameMembers(
      conversations.map((row) => row.id),
      [mixed, recentEmpty]
    )

    // Idempotent: a second pass finds nothing more.
    assert.deepEqual(await purgeWorkspace(a.workspace.id, retentionCutoff(13, now)), {
      messages: 0,
      conversations: 0,
      mediaFiles: 0,
    })
  })

  test('chunks of 1,000: every old message goes, however many', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const channel = await sandboxOf(workspace)
    const now = DateTime.now()
    const conversation = await conversationAt(workspace, channel.id, now.minus({ months: 30 }))
    const old = now.minus({ months: 30 }).toSQL({ includeOffset: false })
    // Unique public ids per run (26 characters, like a ULID).
    const suffix = randomBytes(4).toString('hex').toUpperCase()
    const rows = Array.from({ length: 2100 }, (_, index) => ({
      public_id: `R${suffix}${String(index).padStart(17, '0')}`,
      workspace_id: workspace.id,
      conversation_id: conversation,
      channel_id: channel.id,
      direction: 'in',
      type: 'text',
      body: 'old',
      status: 'received',
      attempts: 0,
      created_at: old,
      updated_at: old,
    }))
    for (let start = 0; start < rows.length; start += 100) {
      await db.table('messages').multiInsert(rows.slice(start, start + 100))
    }
    const deleted = await purgeWorkspace(workspace.id, retentionCutoff(24, now))
    assert.deepEqual(deleted, { messages: 2100, conversations: 1, mediaFiles: 0 })
    const [left] = await db.from('messages').where('workspace_id', workspace.id).count('* as total')
    assert.equal(Number(left.total), 0)
  })
})
