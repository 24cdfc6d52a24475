import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import Contact, { CONTACT_SOURCES } from '#contacts/models/contact'
import ConsentEvent from '#contacts/models/consent_event'
import ContactEvent from '#contacts/models/contact_event'
import ContactTag from '#contacts/models/contact_tag'
import CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import Conversation from '#inbox/models/conversation'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { writeFieldValues, type FieldValue } from '#contacts/services/custom_fields'
import {
  countSegment,
  sampleSegment,
  segmentIdChunks,
  segmentFilter,
} from '#contacts/segments/compile'
import { InvalidSegmentException } from '#contacts/segments/exceptions'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { evaluate, type OracleData, type OracleField } from '#tests/helpers/segment_oracle'

/** Every id the engine matches, all pages joined. */
async function allIds(definition: unknown, options: { now: DateTime }) {
  const ids: number[] = []
  for await (const page of segmentIdChunks(definition, 10_000, options)) ids.push(...page)
  return ids
}

/**
 * The segment engine against an in-memory oracle on random data (seeded:
 * SEGMENT_SEED=<n> replays a failure), plus focused validation and
 * isolation cases.
 */

function prng(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
  }
}
type Rng = ReturnType<typeof prng>

const fmt = (at: DateTime) => at.toUTC().toFormat('yyyy-LL-dd HH:mm:ss')

const NAMES = ['Amira', 'amir', 'Bob', 'BOBBY', 'Chen', '50%_off', 'Zoë', 'dana', 'Dan_a', '']
const TEXTS = ['Gold', 'gold star', 'silver', '10%', 'a_b', 'Plain', 'x!y']
const OPTIONS = ['Gold', 'Silver', 'Bronze']
const EVENT_NAMES = ['signed_up', 'purchase', 'churned']
const STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const

const FIELDS: OracleField[] = [
  { key: 'nickname', type: 'text', options: [] },
  { key: 'score', type: 'number', options: [] },
  { key: 'birthday', type: 'date', options: [] },
  { key: 'plan', type: 'dropdown', options: OPTIONS },
  { key: 'newsletter', type: 'checkbox', options: [] },
]

async function channelOf(workspace: Workspace) {
  return tenancy.run(workspace.id, () =>
    Channel.create({
      driver: 'meta_cloud',
      name: 'Segments',
      displayPhoneNumber: '+1 555 000 3333',
      phoneNumberId: `PNS${randomBytes(5).toString('hex')}`,
      wabaId: 'WABA-SEG',
      accessToken: 'token',
      webhookKey: newWebhookKey(),
      status: 'connected',
      settings: {},
    })
  )
}

/** Random contacts with every kind of data the engine reads; returns the oracle's copy. */
async function seedRandom(workspace: Workspace, rng: Rng, now: DateTime, size: number) {
  const channel = await channelOf(workspace)
  return tenancy.run(workspace.id, async () => {
    const data: OracleData = {
      now,
      contacts: [],
      fields: FIELDS,
      values: new Map(),
      tags: [],
      contactTags: new Map(),
      consent: [],
      conversations: [],
      events: [],
      segments: new Map(),
    }
    const fields = new Map<string, CustomField>()
    for (const [position, field] of FIELDS.entries()) {
      fields.set(
        field.key,
        await CustomField.create({
          key: field.key,
          label: field.key,
          type: field.type,
          options: field.options,
          required: false,
          position,
        })
      )
    }
    const tags: Tag[] = []
    for (const name of ['Alpha', 'beta', 'Gamma']) {
      tags.push(await Tag.create({ name, color: 'blue', isPredefined: false }))
    }
    data.tags = tags.map((tag) => ({ publicId: tag.publicId, name: tag.name }))

    const randomTime = (nullable: number) =>
      rng.chance(nullable) ? null : now.minus({ hours: rng.int(-48, 24 * 90) }).startOf('second')
    for (let index = 0; index < size; index++) {
      const createdAt = now.minus({ hours: rng.int(0, 24 * 120) }).startOf('second')
      const contact = await Contact.create({
        phone: rng.chance(0.15) ? null : `+9198${String(index).padStart(8, '0')}`,
        waId: null,
        name: rng.chance(0.15) ? null : rng.pick(NAMES),
        email: rng.chance(0.4) ? null : `${rng.pick(['a', 'B', 'c'])}${index}@Example.test`,
        locale: rng.pick([null, 'en', 'ar', 'EN']),
        timezone: rng.pick([null, 'Asia/Kolkata', 'UTC']),
        country: rng.pick([null, 'IN', 'AE', 'in']),
        source: rng.pick(CONTACT_SOURCES),
        lastSeenAt: randomTime(0.3),
        lastInboundAt: randomTime(0.3),
        lastOutboundAt: randomTime(0.4),
        messagesIn: rng.int(0, 12),
        messagesOut: rng.int(0, 12),
        campaignsReceived: rng.int(0, 5),
        campaignsRead: rng.int(0, 5),
        campaignsReplied: rng.int(0, 3),
        erasedAt: rng.chance(0.05) ? now : null,
        createdAt,
      })
      data.contacts.push({
        id: contact.id,
        name: contact.name,
        phone: contact.phone,
        email: contact.email,
        locale: contact.locale,
        timezone: contact.timezone,
        country: contact.country,
        source: contact.source,
        created_at: fmt(createdAt),
        last_seen_at: contact.lastSeenAt ? fmt(contact.lastSeenAt) : null,
        last_inbound_at: contact.lastInboundAt ? fmt(contact.lastInboundAt) : null,
        last_outbound_at: contact.lastOutboundAt ? fmt(contact.lastOutboundAt) : null,
        messages_in: contact.messagesIn,
        messages_out: contact.messagesOut,
        campaigns_received: contact.campaignsReceived,
        campaigns_read: contact.campaignsRead,
        campaigns_replied: contact.campaignsReplied,
        erased: contact.erasedAt !== null,
      })

      const values: Record<string, string | number | boolean> = {}
      const writes: { contactId: number; field: CustomField; value: FieldValue }[] = []
      for (const field of FIELDS) {
        if (rng.chance(0.35)) continue
        const value: string | number | boolean =
          field.type === 'text'
            ? rng.pick(TEXTS)
            : field.type === 'number'
              ? rng.int(-5, 20) + (rng.chance(0.2) ? 0.5 : 0)
              : field.type === 'date'
                ? now.minus({ days: rng.int(-10, 60) }).toISODate()!
                : field.type === 'dropdown'
                  ? rng.pick(OPTIONS)
                  : rng.chance(0.5)
        values[field.key] = value
        writes.push({ contactId: contact.id, field: fields.get(field.key)!, value })
      }
      await writeFieldValues(writes)
      data.values.set(contact.id, values)

      const tagged = new Set<string>()
      for (const tag of tags) {
        if (rng.chance(0.35)) {
          await ContactTag.create({ contactId: contact.id, tagId: tag.id })
          tagged.add(tag.publicId)
        }
      }
      data.contactTags.set(contact.id, tagged)

      for (let count = rng.int(0, 3); count > 0; count--) {
        // Few distinct times, so ties (broken by id) happen.
        const occurredAt = now.minus({ days: rng.int(1, 4) }).startOf('day')
        const event = await ConsentEvent.create({
          contactId: contact.id,
          event: rng.pick(['opt_in', 'opt_out'] as const),
          scope: rng.pick(['marketing', 'utility'] as const),
          channel: 'whatsapp',
          source: 'agent',
          occurredAt,
        })
        data.consent.push({
          id: Number(event.id),
          contactId: contact.id,
          scope: event.scope,
          event: event.event,
          occurredAt: fmt(occurredAt),
        })
      }
      for (let count = rng.int(0, 2); count > 0; count--) {
        const status = rng.pick(STATUSES)
        await Conversation.create({
          contactId: contact.id,
          channelId: channel.id,
          status,
          unreadCount: 0,
        })
        data.conversations.push({ contactId: contact.id, status })
      }
      for (let count = rng.int(0, 3); count > 0; count--) {
        const kind = rng.chance(0.8) ? 'custom' : 'field_changed'
        const name = rng.pick(EVENT_NAMES)
        const occurredAt = now.minus({ hours: rng.int(1, 24 * 40) }).startOf('second')
        await ContactEvent.create({ contactId: contact.id, kind, name, data: {}, occurredAt })
        data.events.push({ contactId: contact.id, kind, name, occurredAt: fmt(occurredAt) })
      }
    }
    return data
  })
}

const day = (now: DateTime, rng: Rng) => now.minus({ days: rng.int(-5, 100) }).toISODate()!

function randomDateOp(rng: Rng, now: DateTime) {
  const op = rng.pick([
    'before',
    'after',
    'on',
    'between',
    'within_days',
    'older_than_days',
    'is_set',
    'is_not_set',
  ])
  if (op === 'between') {
    const a = day(now, rng)
    const b = day(now, rng)
    return { op, value: a < b ? [a, b] : [b, a] }
  }
  if (op === 'within_days' || op === 'older_than_days') return { op, value: rng.int(1, 60) }
  if (op === 'is_set' || op === 'is_not_set') return { op }
  return { op, value: day(now, rng) }
}

function randomTextOp(rng: Rng, pool: string[]) {
  const op = rng.pick([
    'eq',
    'neq',
    'contains',
    'not_contains',
    'starts_with',
    'in',
    'is_set',
    'is_not_set',
  ])
  const sample = () => {
    const word = rng.pick(pool.filter(Boolean))
    const cut = ['contains', 'not_contains', 'starts_with'].includes(op)
      ? word.slice(rng.int(0, 1), rng.int(2, word.length))
      : word
    return rng.chance(0.5) ? cut.toUpperCase() : cut
  }
  if (op === 'in') return { op, value: [sample(), sample()] }
  if (op === 'is_set' || op === 'is_not_set') return { op }
  return { op, value: sample() || 'a' }
}

function randomNumberOp(rng: Rng, valueless: boolean) {
  const ops = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between']
  if (valueless) ops.push('is_set', 'is_not_set')
  const op = rng.pick(ops)
  if (op === 'between') {
    const a = rng.int(-5, 20)
    const b = rng.int(-5, 20)
    return { op, value: [Math.min(a, b), Math.max(a, b)] }
  }
  if (op === 'is_set' || op === 'is_not_set') return { op }
  return { op, value: rng.int(-5, 20) + (rng.chance(0.1) ? 0.5 : 0) }
}

function randomCondition(rng: Rng, data: OracleData, segmentIds: string[]): any {
  const negate = rng.chance(0.2) || undefined
  const type = rng.pick([
    'field',
    'field',
    'custom_field',
    'custom_field',
    'custom_field',
    'tag',
    'consent',
    'engagement',
    'engagement',
    'conversation',
    'event',
    ...(segmentIds.length ? ['segment'] : []),
  ])
  switch (type) {
    case 'field': {
      const field = rng.pick([
        'name',
        'phone',
        'email',
        'locale',
        'timezone',
        'country',
        'source',
        'created_at',
        'last_seen_at',
      ])
      if (field === 'created_at' || field === 'last_seen_at') {
        return { type, field, negate, ...randomDateOp(rng, data.now) }
      }
      const pools: Record<string, string[]> = {
        name: NAMES,
        phone: ['+9198000000', '+91980000001', '98'],
        email: ['a1@example.test', 'example', 'B'],
        locale: ['en', 'ar'],
        timezone: ['Asia/Kolkata', 'UTC', 'asia'],
        country: ['IN', 'ae'],
        source: [...CONTACT_SOURCES],
      }
      return { type, field, negate, ...randomTextOp(rng, pools[field]) }
    }
    case 'custom_field': {
      const field = rng.pick(FIELDS)
      const key = field.key
      if (field.type === 'text') return { type, key, negate, ...randomTextOp(rng, TEXTS) }
      if (field.type === 'number') return { type, key, negate, ...randomNumberOp(rng, true) }
      if (field.type === 'date') return { type, key, negate, ...randomDateOp(rng, data.now) }
      if (field.type === 'dropdown') {
        const op = rng.pick(['eq', 'neq', 'in', 'is_set', 'is_not_set'])
        const option = () => (rng.chance(0.5) ? rng.pick(OPTIONS).toLowerCase() : rng.pick(OPTIONS))
        if (op === 'in') return { type, key, negate, op, value: [option(), option()] }
        if (op === 'eq' || op === 'neq') return { type, key, negate, op, value: option() }
        return { type, key, negate, op }
      }
      const op = rng.pick(['eq', 'eq', 'is_set', 'is_not_set'])
      return op === 'eq'
        ? { type, key, negate, op, value: rng.pick([true, false, 'yes', 'no']) }
        : { type, key, negate, op }
    }
    case 'tag': {
      const tag = rng.pick(data.tags)
      const ref = rng.pick([tag.publicId, tag.name, tag.name.toUpperCase()])
      return { type, op: rng.pick(['has', 'has_not']), tag: ref, negate }
    }
    case 'consent':
      return {
        type,
        scope: rng.pick(['marketing', 'utility']),
        state: rng.pick(['opted_in', 'opted_out', 'none', 'allowed']),
        negate,
      }
    case 'engagement': {
      const metric = rng.pick([
        'messages_in',
        'messages_out',
        'campaigns_received',
        'campaigns_read',
        'campaigns_replied',
        'last_inbound_at',
        'last_outbound_at',
      ])
      return metric.startsWith('last_')
        ? { type, metric, negate, ...randomDateOp(rng, data.now) }
        : { type, metric, negate, ...randomNumberOp(rng, false) }
    }
    case 'conversation': {
      const status = STATUSES.filter(() => rng.chance(0.4))
      return { type, op: rng.pick(['has', 'has_not']), status, negate }
    }
    case 'event':
      return {
        type,
        op: rng.pick(['occurred', 'not_occurred']),
        name: rng.pick(EVENT_NAMES),
        withinDays: rng.chance(0.5) ? rng.int(1, 30) : undefined,
        negate,
      }
    default:
      return { type: 'segment', segment: rng.pick(segmentIds), negate }
  }
}

function randomGroup(rng: Rng, data: OracleData, depth: number, segmentIds: string[]): any {
  const size = rng.int(0, depth === 1 ? 4 : 3)
  const conditions = []
  for (let index = 0; index < size; index++) {
    conditions.push(
      depth < 3 && rng.chance(0.3)
        ? randomGroup(rng, data, depth + 1, segmentIds)
        : randomCondition(rng, data, segmentIds)
    )
  }
  return {
    type: 'group',
    match: rng.pick(['all', 'any']),
    negate: rng.chance(0.2) || undefined,
    conditions,
  }
}

/** A custom field or tag condition (any operator, sometimes negated). */
function keyedCondition(rng: Rng, data: OracleData): any {
  for (;;) {
    const condition = randomCondition(rng, data, [])
    if (condition.type === 'custom_field' || condition.type === 'tag') return condition
  }
}

/**
 * Definitions shaped for the count's set form (compileSet): ORs of AND
 * groups led by custom field and tag conditions, with other conditions,
 * nested groups, negations and saved segments mixed in (some of which
 * leave the set form, so both forms are compared).
 */
function keyedGroup(rng: Rng, data: OracleData, depth: number, segmentIds: string[]): any {
  if (rng.chance(0.5) && depth < 3) {
    const conditions = []
    for (let count = rng.int(1, 3); count > 0; count--) {
      conditions.push(
        rng.chance(0.7) ? keyedGroup(rng, data, depth + 1, segmentIds) : keyedCondition(rng, data)
      )
    }
    return { type: 'group', match: 'any', negate: rng.chance(0.05) || undefined, conditions }
  }
  const conditions = []
  for (let count = rng.int(1, 3); count > 0; count--) conditions.push(keyedCondition(rng, data))
  if (rng.chance(0.4)) conditions.push(randomCondition(rng, data, segmentIds))
  if (rng.chance(0.15) && depth < 3) conditions.push(randomGroup(rng, data, depth + 1, segmentIds))
  if (rng.chance(0.1))
    conditions.push({ type: 'group', match: rng.pick(['all', 'any']), conditions: [] })
  return { type: 'group', match: 'all', negate: rng.chance(0.05) || undefined, conditions }
}

async function expectInvalid(
  definition: unknown,
  options: Parameters<typeof segmentFilter>[1] = {}
) {
  try {
    await segmentFilter(definition, options)
  } catch (error) {
    if (error instanceof InvalidSegmentException) return error.errors
    throw error
  }
  throw new Error('Expected the definition to be refused')
}

test.group('Segment engine', () => {
  test('SQL matches the in-memory oracle on random data and random definitions', async ({
    assert,
  }) => {
    const seed = Number(process.env.SEGMENT_SEED ?? Math.floor(Math.random() * 2 ** 31))
    console.log(`  segment property test seed: SEGMENT_SEED=${seed}`)
    const rng = prng(seed)
    const now = DateTime.utc().startOf('second')
    const { workspace } = await makeWorkspace()
    const { workspace: other } = await makeWorkspace()
    const data = await seedRandom(workspace, rng, now, 70)
    // Another workspace with the same names, keys and shapes: never in A's results.
    const otherData = await seedRandom(other, prng(seed + 1), now, 25)

    // Saved segments to reference (they reference each other one level).
    const segmentIds: string[] = []
    await tenancy.run(workspace.id, async () => {
      for (let index = 0; index < 3; index++) {
        const definition = randomGroup(rng, data, 2, segmentIds.slice())
        const segment = await Segment.create({ name: `Saved ${index}`, definition })
        data.segments.set(segment.publicId, definition)
        segmentIds.push(segment.publicId)
      }
    })

    const aIds = new Set(data.contacts.map((contact) => contact.id))
    const runs = Number(process.env.SEGMENT_RUNS ?? 160)
    let nonTrivial = 0
    for (let run = 0; run < runs; run++) {
      const definition = randomGroup(rng, data, 1, segmentIds)
      const expected = [...evaluate(definition, data)].sort((a, b) => a - b)
      const actual = await tenancy.run(workspace.id, () => allIds(definition, { now }))
      if (expected.length > 0 && expected.length < aIds.size - 5) nonTrivial++
      // Before the comparison: a leak of workspace B's contacts reads as such.
      assert.isTrue(
        actual.every((id) => aIds.has(id)),
        `only workspace A contacts (seed ${seed}, run ${run})`
      )
      assert.deepEqual(actual, expected, `seed ${seed}, run ${run}: ${JSON.stringify(definition)}`)
      // The count has its own SQL form (the set of ids, see compileSet): every run.
      const count = await tenancy.run(workspace.id, () => countSegment(definition, { now }))
      assert.equal(count, expected.length, `count, seed ${seed}, run ${run}`)
    }
    // The random definitions are not all trivially everything/nothing.
    assert.isAbove(nonTrivial, runs / 4)

    // And the other workspace's own data agrees with its oracle too.
    for (let run = 0; run < 20; run++) {
      const definition = randomGroup(rng, otherData, 1, [])
      const expected = [...evaluate(definition, otherData)].sort((a, b) => a - b)
      const actual = await tenancy.run(other.id, () => allIds(definition, { now }))
      assert.deepEqual(actual, expected, `other workspace, seed ${seed}, run ${run}`)
      const count = await tenancy.run(other.id, () => countSegment(definition, { now }))
      assert.equal(count, expected.length, `other workspace count, seed ${seed}, run ${run}`)
    }
  }).timeout(180_000)

  test('counts in set form (ORs of custom field and tag groups) match the oracle', async ({
    assert,
  }) => {
    const seed = Number(process.env.SEGMENT_SEED ?? Math.floor(Math.random() * 2 ** 31))
    console.log(`  segment set-form test seed: SEGMENT_SEED=${seed}`)
    const rng = prng(seed)
    const now = DateTime.utc().startOf('second')
    const { workspace } = await makeWorkspace()
    const { workspace: other } = await makeWorkspace()
    const data = await seedRandom(workspace, rng, now, 70)
    await seedRandom(other, prng(seed + 1), now, 25)
    const segmentIds: string[] = []
    await tenancy.run(workspace.id, async () => {
      for (let index = 0; index < 2; index++) {
        const definition = keyedGroup(rng, data, 2, segmentIds.slice())
        const segment = await Segment.create({ name: `Keyed ${index}`, definition })
        data.segments.set(segment.publicId, definition)
        segmentIds.push(segment.publicId)
      }
    })
    const runs = Number(process.env.SEGMENT_RUNS ?? 160)
    let nonTrivial = 0
    for (let run = 0; run < runs; run++) {
      const definition = keyedGroup(rng, data, 1, segmentIds)
      const expected = [...evaluate(definition, data)].sort((a, b) => a - b)
      if (expected.length > 0 && expected.length < data.contacts.length - 5) nonTrivial++
      const [count, actual] = await tenancy.run(workspace.id, async () => [
        await countSegment(definition, { now }),
        await allIds(definition, { now }),
      ])
      const context = `seed ${seed}, run ${run}: ${JSON.stringify(definition)}`
      assert.deepEqual(actual, expected, context)
      assert.equal(count, expected.length, `count, ${context}`)
    }
    assert.isAbove(nonTrivial, runs / 4)
  }).timeout(180_000)

  test('each compile shape against hand-checked members (count and ids)', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const now = DateTime.fromISO('2026-03-10T12:00:00Z')
    await tenancy.run(workspace.id, async () => {
      const fields = new Map<string, CustomField>()
      for (const [position, field] of FIELDS.entries()) {
        fields.set(
          field.key,
          await CustomField.create({ ...field, label: field.key, required: false, position })
        )
      }
      const vip = await Tag.create({ name: 'Gold club', color: 'blue', isPredefined: false })
      // name → custom values, tagged Gold club?, erased?
      const people: [string, Record<string, FieldValue>, boolean, boolean][] = [
        ['Ann', { nickname: 'Gold star', score: 12, plan: 'Gold', newsletter: true }, true, false],
        [
          'Ben',
          { nickname: 'silver', score: 3, birthday: '2026-02-01', plan: 'Silver' },
          false,
          false,
        ],
        ['Cai', { score: 15, birthday: '2026-03-01', newsletter: false }, false, false],
        ['Dee', { plan: 'Gold', newsletter: false }, true, false],
        ['Eve', {}, false, false],
        ['Fay', { nickname: 'gold', score: 20, plan: 'Gold', newsletter: true }, true, true],
      ]
      const ids = new Map<number, string>()
      for (const [index, [name, values, tagged, erased]] of people.entries()) {
        const contact = await Contact.create({
          phone: `+9195${String(index).padStart(8, '0')}`,
          name,
          source: 'manual',
          erasedAt: erased ? now : null,
        })
        ids.set(contact.id, name)
        await writeFieldValues(
          Object.entries(values).map(([key, value]) => ({
            contactId: contact.id,
            field: fields.get(key)!,
            value,
          }))
        )
        if (tagged) await ContactTag.create({ contactId: contact.id, tagId: vip.id })
      }
      const cf = (key: string, op: string, value?: unknown, negate?: boolean) => ({
        type: 'custom_field',
        key,
        op,
        value,
        negate,
      })
      const tag = (op: 'has' | 'has_not', negate?: boolean) => ({
        type: 'tag',
        op,
        tag: 'gold CLUB',
        negate,
      })
      const all = (...conditions: unknown[]) => ({ type: 'group', match: 'all', conditions })
      const any = (...conditions: unknown[]) => ({ type: 'group', match: 'any', conditions })
      const members = async (definition: unknown) => {
        const found = (await allIds(definition, { now })).map((id) => ids.get(id)).sort()
        assert.equal(
          await countSegment(definition, { now }),
          found.length,
          JSON.stringify(definition)
        )
        return found
      }
      // One driver per type (set form), erased Fay never.
      assert.deepEqual(await members(all(cf('nickname', 'eq', 'GOLD STAR'))), ['Ann'])
      assert.deepEqual(await members(all(cf('score', 'between', [10, 20]))), ['Ann', 'Cai'])
      assert.deepEqual(await members(all(cf('birthday', 'on', '2026-03-01'))), ['Cai'])
      assert.deepEqual(await members(all(cf('plan', 'in', ['gold', 'Silver']))), [
        'Ann',
        'Ben',
        'Dee',
      ])
      assert.deepEqual(await members(all(cf('newsletter', 'eq', false))), ['Cai', 'Dee'])
      // AND: driver plus probes (positive, negative, negated) and a contact-row condition.
      assert.deepEqual(await members(all(cf('plan', 'eq', 'Gold'), tag('has'))), ['Ann', 'Dee'])
      assert.deepEqual(
        await members(all(cf('score', 'gt', 2), cf('plan', 'neq', 'Gold'), tag('has', true))),
        ['Ben', 'Cai']
      )
      assert.deepEqual(
        await members(
          all(tag('has'), { type: 'field', field: 'name', op: 'starts_with', value: 'a' })
        ),
        ['Ann']
      )
      // Several probes joined in rank order (a negated tag before a range,
      // is_set last), then the contact's row: score ≥ 3 is Ann, Ben, Cai and
      // erased Fay; untagged leaves Ben and Cai; only Ben has a nickname.
      assert.deepEqual(
        await members(all(cf('nickname', 'is_set'), cf('score', 'gte', 3), tag('has', true))),
        ['Ben']
      )
      assert.deepEqual(
        await members(
          all(cf('nickname', 'is_set'), tag('has', true), cf('score', 'gte', 3), {
            type: 'field',
            field: 'name',
            op: 'starts_with',
            value: 'c',
          })
        ),
        []
      )
      // The contact's row joined: erased Fay (nickname "gold") still left out.
      assert.deepEqual(
        await members(
          all(cf('nickname', 'contains', 'gold'), { type: 'field', field: 'name', op: 'is_set' })
        ),
        ['Ann']
      )
      // A negative keyed condition as a probe of a positive driver, both on custom fields.
      assert.deepEqual(
        await members(all(cf('plan', 'eq', 'Gold'), cf('newsletter', 'eq', true, true))),
        ['Dee']
      )
      // OR of AND groups: UNION; a contact in both arms counts once.
      assert.deepEqual(
        await members(any(all(cf('plan', 'eq', 'Gold'), tag('has')), all(cf('score', 'gte', 12)))),
        ['Ann', 'Cai', 'Dee']
      )
      // Nested NOT / OR and negated groups (WHERE form, probes under OR and NOT).
      assert.deepEqual(
        await members({
          type: 'group',
          match: 'any',
          negate: true,
          conditions: [cf('nickname', 'contains', 'gold'), cf('birthday', 'before', '2026-02-15')],
        }),
        ['Cai', 'Dee', 'Eve']
      )
      assert.deepEqual(
        await members(
          all(
            tag('has_not'),
            any(cf('score', 'lt', 5), { ...all(cf('newsletter', 'is_set')), negate: true })
          )
        ),
        ['Ben', 'Eve']
      )
      // Empty groups match everyone (but erased contacts).
      assert.deepEqual(await members(all()), ['Ann', 'Ben', 'Cai', 'Dee', 'Eve'])
      assert.deepEqual(await members(all(any(), cf('newsletter', 'eq', true))), ['Ann'])
      assert.deepEqual(await members(any(all(), cf('plan', 'is_not_set'))), [
        'Ann',
        'Ben',
        'Cai',
        'Dee',
        'Eve',
      ])
    })
  })

  test('keyset pages of ids and the sample', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      for (let index = 0; index < 7; index++) {
        await Contact.create({
          phone: `+9197${String(index).padStart(8, '0')}`,
          name: index % 2 ? `Odd ${index}` : `Even ${index}`,
          source: 'manual',
          messagesIn: index,
        })
      }
      const definition = {
        type: 'group',
        match: 'all',
        conditions: [{ type: 'field', field: 'name', op: 'starts_with', value: 'odd' }],
      }
      const pages: number[][] = []
      for await (const page of segmentIdChunks(definition, 2)) pages.push(page)
      assert.lengthOf(pages, 2)
      const [first, second] = pages
      assert.lengthOf(first, 2)
      assert.lengthOf(second, 1)
      assert.isBelow(first[0], first[1])
      assert.isBelow(first[1], second[0])
      assert.equal(await countSegment(definition), 3)
      const sample = await sampleSegment(definition, 2)
      assert.lengthOf(sample, 2)
      assert.equal(sample[0].name, 'Odd 5')
      assert.match(sample[0].id, /^[0-9A-Z]{26}$/)
      assert.equal(sample[0].phone, '+919700000005')
    })
  })

  test('invalid definitions are refused with the path of the faulty part', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      await CustomField.create({
        key: 'score',
        label: 'Score',
        type: 'number',
        options: [],
        required: false,
        position: 0,
      })
      let errors = await expectInvalid({
        type: 'group',
        match: 'all',
        conditions: [
          { type: 'field', field: 'name', op: 'eq', value: 'Ann' },
          {
            type: 'group',
            match: 'any',
            conditions: [{ type: 'custom_field', key: 'score', op: 'gt', value: 'lots' }],
          },
        ],
      })
      assert.deepEqual(errors, [
        { path: 'conditions[1].conditions[0].value', message: 'Score must be a number' },
      ])

      errors = await expectInvalid({
        type: 'group',
        match: 'both',
        conditions: [
          { type: 'field', field: 'shoe_size', op: 'eq', value: '9' },
          { type: 'engagement', metric: 'messages_in', op: 'contains', value: 1 },
          { type: 'custom_field', key: 'score', op: 'contains', value: '1' },
          { type: 'event', name: 'x', op: 'occurred', withinDays: 0 },
          {
            type: 'field',
            field: 'created_at',
            op: 'between',
            value: ['2025-02-01', '2025-01-01'],
          },
          { type: 'wat' },
        ],
      })
      assert.deepEqual(
        errors.map((error) => error.path),
        [
          'match',
          'conditions[0].field',
          'conditions[1].op',
          'conditions[3].withinDays',
          'conditions[4].value',
          'conditions[5].type',
        ]
      )
      // The custom-field operator check runs once the structure is valid.
      errors = await expectInvalid({
        type: 'group',
        match: 'all',
        conditions: [{ type: 'custom_field', key: 'score', op: 'contains', value: '1' }],
      })
      assert.equal(errors[0].path, 'conditions[0].op')

      errors = await expectInvalid({
        type: 'group',
        match: 'all',
        conditions: [
          {
            type: 'group',
            match: 'all',
            conditions: [
              {
                type: 'group',
                match: 'all',
                conditions: [
                  {
                    type: 'group',
                    match: 'all',
                    conditions: [{ type: 'group', match: 'all', conditions: [] }],
                  },
                ],
              },
            ],
          },
        ],
      })
      assert.equal(errors[0].path, 'conditions[0].conditions[0].conditions[0].conditions[0]')
      errors = await expectInvalid('nope')
      assert.equal(errors[0].path, '')
    })
  })

  test('unknown tags, fields and segments are errors; cycles are refused', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const { workspace: other } = await makeWorkspace()
    const foreign = await tenancy.run(other.id, async () => {
      await Tag.create({ name: 'Foreign only', color: 'blue', isPredefined: false })
      await CustomField.create({
        key: 'foreign_key',
        label: 'F',
        type: 'text',
        options: [],
        required: false,
        position: 0,
      })
      return Segment.create({
        name: 'Foreign',
        definition: { type: 'group', match: 'all', conditions: [] },
      })
    })
    await tenancy.run(workspace.id, async () => {
      const errors = await expectInvalid({
        type: 'group',
        match: 'any',
        conditions: [
          { type: 'tag', op: 'has', tag: 'Foreign only' },
          { type: 'custom_field', key: 'foreign_key', op: 'is_set' },
          { type: 'segment', segment: foreign.publicId },
        ],
      })
      assert.deepEqual(
        errors.map((error) => error.path),
        ['conditions[0].tag', 'conditions[1].key', 'conditions[2].segment']
      )

      const a = await Segment.create({
        name: 'A',
        definition: { type: 'group', match: 'all', conditions: [] },
      })
      const b = await Segment.create({
        name: 'B',
        definition: {
          type: 'group',
          match: 'all',
          conditions: [{ type: 'segment', segment: a.publicId }],
        },
      })
      // Saving A as "members of B" would close the loop A → B → A.
      const cycle = await expectInvalid(
        { type: 'group', match: 'all', conditions: [{ type: 'segment', segment: b.publicId }] },
        { self: a.publicId }
      )
      assert.equal(cycle[0].path, 'conditions[0].segment')
      assert.match(cycle[0].message, /cycle|invalid/i)
      // A stored cycle (written around the API) is refused too, not looped.
      a.definition = {
        type: 'group',
        match: 'all',
        conditions: [{ type: 'segment', segment: b.publicId }],
      }
      await a.save()
      const stored = await expectInvalid({
        type: 'group',
        match: 'all',
        conditions: [{ type: 'segment', segment: a.publicId }],
      })
      assert.equal(stored[0].path, 'conditions[0].segment')
    })
  })

  test('LIKE wildcards are literal and text is case-insensitive', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      for (const [index, name] of ['50%_OFF', '50 off', '5000ff', 'x!y'].entries()) {
        await Contact.create({ phone: `+9196${index}0000000`, name, source: 'manual' })
      }
      const names = async (op: string, value: string) => {
        const ids = await allIds(
          {
            type: 'group',
            match: 'all',
            conditions: [{ type: 'field', field: 'name', op, value }],
          },
          { now: DateTime.utc() }
        )
        const rows = await Contact.query().whereIn('id', ids).orderBy('id')
        return rows.map((row) => row.name)
      }
      assert.deepEqual(await names('contains', '%_o'), ['50%_OFF'])
      assert.deepEqual(await names('starts_with', '50%'), ['50%_OFF'])
      assert.deepEqual(await names('contains', '!'), ['x!y'])
      assert.deepEqual(await names('eq', '50%_off'), ['50%_OFF'])
    })
  })
})
