import { DateTime } from 'luxon'

/**
 * An in-memory evaluator of segment definitions, written independently
 * of the SQL engine (app/contacts/segments/compile.ts) from the rules in
 * docs/segments.md. The property tests run both on the same random data
 * and compare the matching ids. It assumes a valid definition.
 */

/** Timestamps as stored: 'yyyy-MM-dd HH:mm:ss' in UTC (or null). */
export type OracleContact = {
  id: number
  name: string | null
  phone: string | null
  email: string | null
  locale: string | null
  timezone: string | null
  country: string | null
  source: string
  created_at: string
  last_seen_at: string | null
  last_inbound_at: string | null
  last_outbound_at: string | null
  messages_in: number
  messages_out: number
  campaigns_received: number
  campaigns_read: number
  campaigns_replied: number
  erased: boolean
}

export type OracleField = {
  key: string
  type: 'text' | 'number' | 'date' | 'dropdown' | 'checkbox'
  options: string[]
}

export type OracleData = {
  now: DateTime
  contacts: OracleContact[]
  fields: OracleField[]
  /** contact id → field key → stored value (text, number, YYYY-MM-DD, boolean). */
  values: Map<number, Record<string, string | number | boolean>>
  /** Tags by public id and name. */
  tags: { publicId: string; name: string }[]
  /** contact id → tag public ids. */
  contactTags: Map<number, Set<string>>
  consent: {
    id: number
    contactId: number
    scope: string
    event: 'opt_in' | 'opt_out'
    occurredAt: string
  }[]
  conversations: { contactId: number; status: string }[]
  events: { contactId: number; kind: string; name: string; occurredAt: string }[]
  /** Saved segments: public id → definition. */
  segments: Map<string, any>
}

const fmt = (at: DateTime) => at.toUTC().toFormat('yyyy-LL-dd HH:mm:ss')

export function evaluate(definition: any, data: OracleData): Set<number> {
  const result = new Set<number>()
  for (const contact of data.contacts) {
    if (!contact.erased && matchNode(definition, contact, data)) result.add(contact.id)
  }
  return result
}

function matchNode(node: any, contact: OracleContact, data: OracleData): boolean {
  const positive =
    node.type === 'group' ? matchGroup(node, contact, data) : matchLeaf(node, contact, data)
  return node.negate ? !positive : positive
}

function matchGroup(group: any, contact: OracleContact, data: OracleData): boolean {
  const children: any[] = group.conditions
  if (children.length === 0) return true
  return group.match === 'all'
    ? children.every((child) => matchNode(child, contact, data))
    : children.some((child) => matchNode(child, contact, data))
}

function findTag(ref: string, data: OracleData) {
  return (
    data.tags.find((tag) => tag.publicId === ref) ??
    data.tags.find((tag) => tag.name.toLowerCase() === ref.toLowerCase())
  )
}

function matchLeaf(condition: any, contact: OracleContact, data: OracleData): boolean {
  switch (condition.type) {
    case 'field': {
      const value = (contact as any)[condition.field] as string | null
      return ['created_at', 'last_seen_at'].includes(condition.field)
        ? dateTimeMatch(value, condition.op, condition.value, data.now)
        : textMatch(value, condition.op, condition.value)
    }
    case 'engagement': {
      const value = (contact as any)[condition.metric]
      return typeof value === 'number'
        ? numberMatch(value, condition.op, condition.value)
        : dateTimeMatch(value, condition.op, condition.value, data.now)
    }
    case 'custom_field': {
      const field = data.fields.find((candidate) => candidate.key === condition.key)!
      const stored = data.values.get(contact.id)?.[field.key]
      const value = stored === undefined ? null : stored
      if (condition.op === 'is_set') return value !== null
      if (condition.op === 'is_not_set') return value === null
      switch (field.type) {
        case 'text':
        case 'dropdown':
          return textMatch(value as string | null, condition.op, condition.value)
        case 'number':
          if (condition.op === 'neq') return value === null || value !== Number(condition.value)
          return value !== null && numberMatch(value as number, condition.op, condition.value)
        case 'date':
          return (
            value !== null && dateMatch(value as string, condition.op, condition.value, data.now)
          )
        case 'checkbox':
          return value === asBool(condition.value)
      }
      return false
    }
    case 'tag': {
      const tag = findTag(condition.tag, data)!
      const has = data.contactTags.get(contact.id)?.has(tag.publicId) ?? false
      return condition.op === 'has' ? has : !has
    }
    case 'consent': {
      const events = data.consent
        .filter((event) => event.contactId === contact.id && event.scope === condition.scope)
        .sort((a, b) =>
          a.occurredAt === b.occurredAt ? a.id - b.id : a.occurredAt < b.occurredAt ? -1 : 1
        )
      const latest = events.at(-1)
      switch (condition.state) {
        case 'none':
          return !latest
        case 'opted_in':
          return latest?.event === 'opt_in'
        case 'opted_out':
          return latest?.event === 'opt_out'
        default:
          return condition.scope === 'marketing'
            ? latest?.event === 'opt_in'
            : latest?.event !== 'opt_out'
      }
    }
    case 'conversation': {
      const statuses: string[] = condition.status ?? []
      const has = data.conversations.some(
        (conversation) =>
          conversation.contactId === contact.id &&
          (statuses.length === 0 || statuses.includes(conversation.status))
      )
      return condition.op === 'has' ? has : !has
    }
    case 'event': {
      const since = condition.withinDays
        ? fmt(data.now.minus({ days: Number(condition.withinDays) }))
        : null
      const has = data.events.some(
        (event) =>
          event.contactId === contact.id &&
          event.kind === 'custom' &&
          event.name === condition.name.trim() &&
          (since === null || event.occurredAt >= since)
      )
      return condition.op === 'occurred' ? has : !has
    }
    case 'segment':
      return matchNode(data.segments.get(condition.segment), contact, data)
  }
  throw new Error(`Oracle: unknown condition ${condition.type}`)
}

function asBool(value: unknown) {
  if (typeof value === 'boolean') return value
  return ['true', 'yes', 'y', '1', 'on', 'x', 'checked'].includes(String(value).toLowerCase())
}

function textMatch(value: string | null, op: string, expected: any): boolean {
  const lower = value === null ? null : value.toLowerCase()
  const wanted = typeof expected === 'string' ? expected.trim().toLowerCase() : ''
  switch (op) {
    case 'eq':
      return lower !== null && lower === wanted
    case 'neq':
      return !(lower !== null && lower === wanted)
    case 'contains':
      return lower !== null && lower.includes(wanted)
    case 'not_contains':
      return !(lower !== null && lower.includes(wanted))
    case 'starts_with':
      return lower !== null && lower.startsWith(wanted)
    case 'in':
      return (
        lower !== null && (expected as string[]).some((item) => item.trim().toLowerCase() === lower)
      )
    case 'is_set':
      return value !== null && value !== ''
    case 'is_not_set':
      return value === null || value === ''
  }
  throw new Error(`Oracle: text op ${op}`)
}

function numberMatch(value: number, op: string, expected: any): boolean {
  switch (op) {
    case 'eq':
      return value === Number(expected)
    case 'neq':
      return value !== Number(expected)
    case 'gt':
      return value > Number(expected)
    case 'gte':
      return value >= Number(expected)
    case 'lt':
      return value < Number(expected)
    case 'lte':
      return value <= Number(expected)
    case 'between':
      return value >= Number(expected[0]) && value <= Number(expected[1])
  }
  throw new Error(`Oracle: number op ${op}`)
}

/** A UTC timestamp string against calendar days (UTC) and day counts. */
function dateTimeMatch(value: string | null, op: string, expected: any, now: DateTime): boolean {
  if (op === 'is_set') return value !== null
  if (op === 'is_not_set') return value === null
  if (value === null) return false
  const day = value.slice(0, 10)
  switch (op) {
    case 'before':
      return day < expected
    case 'after':
      return day > expected
    case 'on':
      return day === expected
    case 'between':
      return day >= expected[0] && day <= expected[1]
    case 'within_days':
      return value >= fmt(now.minus({ days: Number(expected) })) && value <= fmt(now)
    case 'older_than_days':
      return value < fmt(now.minus({ days: Number(expected) }))
  }
  throw new Error(`Oracle: date op ${op}`)
}

/** A calendar date (YYYY-MM-DD); day counts relative to today (UTC). */
function dateMatch(value: string, op: string, expected: any, now: DateTime): boolean {
  const today = now.toUTC().toISODate()!
  const daysAgo = (days: number) => now.toUTC().minus({ days }).toISODate()!
  switch (op) {
    case 'before':
      return value < expected
    case 'after':
      return value > expected
    case 'on':
      return value === expected
    case 'between':
      return value >= expected[0] && value <= expected[1]
    case 'within_days':
      return value >= daysAgo(Number(expected)) && value <= today
    case 'older_than_days':
      return value < daysAgo(Number(expected))
  }
  throw new Error(`Oracle: date op ${op}`)
}
