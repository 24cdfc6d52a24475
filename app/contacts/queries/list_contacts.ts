import { DateTime } from 'luxon'
import { sqlDateTime, storedIso } from '#core/helpers/sql_time'
import db from '@adonisjs/lucid/services/db'
import type CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import { fieldValuesOf, type FieldValue } from '#contacts/services/custom_fields'
import { segmentFilter } from '#contacts/segments/compile'
import type { SegmentCondition, SegmentGroup, SegmentNode } from '#contacts/segments/types'
import { findTag } from '#contacts/actions/tag_contacts'
import { tenancy } from '#core/tenancy/context'

/**
 * The contacts list: filters (search, tag, consent, saved segment) are
 * expressed as ONE segment definition (`filterDefinition`) and run by the
 * segment engine, so the list, its bulk actions on "all matching" and the
 * CSV export select exactly the same contacts.
 *
 * Pagination is keyset (cursor = the last row's sort value and id): a page
 * costs the same at row 20 and at row 900,000. Nullable sort columns
 * (name, last inbound) list their non-null rows first, then the null ones
 * by id, each part an index range on `(workspace_id, column)`.
 */

export const CONTACT_SORTS = {
  name: 'name',
  created: 'created_at',
  last_inbound: 'last_inbound_at',
  messages_in: 'messages_in',
} as const
export type ContactSort = keyof typeof CONTACT_SORTS

export const CONSENT_FILTERS = [
  'marketing:opted_in',
  'marketing:opted_out',
  'marketing:none',
  'utility:opted_out',
] as const
export type ConsentFilter = (typeof CONSENT_FILTERS)[number]

const NULLABLE = new Set(['name', 'last_inbound_at'])
const DATE_SORTS = new Set(['created_at', 'last_inbound_at'])

export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 200
/** "All matching" counts stop here: past it the page says "10,000+". */
export const COUNT_CAP = 10_000

export type ContactListFilters = {
  q?: string
  /** Tag public id. */
  tag?: string
  consent?: ConsentFilter
  /** Saved segment public id. */
  segment?: string
  sort: ContactSort
  dir: 'asc' | 'desc'
  cursor?: string
  limit: number
}

const text = (value: unknown, max = 200) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined

/**
 * Query string → filters, leniently: unknown tags, segments and values are
 * dropped (a stale bookmark still opens the list).
 */
export async function parseListFilters(qs: Record<string, unknown>): Promise<ContactListFilters> {
  const sort = text(qs.sort) as ContactSort | undefined
  const filters: ContactListFilters = {
    sort: sort && sort in CONTACT_SORTS ? sort : 'created',
    dir: qs.dir === 'asc' ? 'asc' : qs.dir === 'desc' ? 'desc' : 'desc',
    limit: Math.min(MAX_LIMIT, Math.max(1, Number(qs.limit) || DEFAULT_LIMIT)),
  }
  if (!qs.dir && filters.sort === 'name') filters.dir = 'asc'
  const q = text(qs.q)
  if (q) filters.q = q
  const cursor = text(qs.cursor, 500)
  if (cursor) filters.cursor = cursor
  const consent = text(qs.consent) as ConsentFilter | undefined
  if (consent && CONSENT_FILTERS.includes(consent)) filters.consent = consent
  const tag = text(qs.tag, 64)
  if (tag) {
    const found = await findTag(tag)
    if (found) filters.tag = found.publicId
  }
  const segment = text(qs.segment, 26)
  if (segment && (await Segment.findBy('public_id', segment))) filters.segment = segment
  return filters
}

/**
 * The list's filters as a segment definition (an `all` group): search →
 * an `any` group of "contains" on name, phone and email; tag → a tag
 * condition; consent → a consent condition; segment → a segment reference.
 * Exports and bulk actions on "all matching" run this definition.
 */
export function filterDefinition(
  filters: Pick<ContactListFilters, 'q' | 'tag' | 'consent' | 'segment'>
): SegmentGroup {
  const conditions: SegmentNode[] = []
  if (filters.q) {
    const q = filters.q
    const digits = q.replace(/[\s().-]/g, '')
    const search: SegmentCondition[] = [
      { type: 'field', field: 'name', op: 'contains', value: q },
      { type: 'field', field: 'email', op: 'contains', value: q },
      {
        type: 'field',
        field: 'phone',
        op: 'contains',
        value: /^\+?\d+$/.test(digits) ? digits : q,
      },
    ]
    conditions.push({ type: 'group', match: 'any', conditions: search })
  }
  if (filters.tag) conditions.push({ type: 'tag', op: 'has', tag: filters.tag })
  if (filters.consent) {
    const [scope, state] = filters.consent.split(':') as ['marketing' | 'utility', 'opted_in']
    conditions.push({ type: 'consent', scope, state })
  }
  if (filters.segment) conditions.push({ type: 'segment', segment: filters.segment })
  return { type: 'group', match: 'all', conditions }
}

export function hasFilters(filters: Pick<ContactListFilters, 'q' | 'tag' | 'consent' | 'segment'>) {
  return Boolean(filters.q || filters.tag || filters.consent || filters.segment)
}

/** Explicitly scoped: the current workspace's contacts, for the engine to filter. */
function contactsQuery() {
  return db.from('contacts').where('contacts.workspace_id', tenancy.workspaceId())
}

/** Matching contacts, bounded: `{ count, capped }` (capped = at least COUNT_CAP). */
export async function countMatching(definition: SegmentGroup, cap = COUNT_CAP) {
  const filter = await segmentFilter(definition)
  const inner = contactsQuery()
    .select('contacts.id')
    .limit(cap + 1)
  filter(inner)
  const [row] = await db.from(inner.as('matching')).count('* as total')
  const count = Number(row?.total ?? 0)
  return { count: Math.min(count, cap), capped: count > cap }
}

/* Cursor: base64url of [sort value as stored, id]. */

function storedValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return sqlDateTime(DateTime.fromJSDate(value))
  return typeof value === 'number' ? value : String(value)
}

export function encodeCursor(value: unknown, id: number): string {
  return Buffer.from(JSON.stringify([storedValue(value), id])).toString('base64url')
}

export function decodeCursor(cursor: string): { value: string | number | null; id: number } | null {
  try {
    const [value, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (!Number.isInteger(id)) return null
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') return null
    return { value, id }
  } catch {
    return null
  }
}

export type ContactListRow = {
  id: string
  displayName: string
  name: string | null
  phone: string | null
  email: string | null
  country: string | null
  locale: string | null
  source: string
  createdAt: string
  lastInboundAt: string | null
  messagesIn: number
  messagesOut: number
  tags: { id: string; name: string; color: string }[]
  fields: Record<string, FieldValue>
}

export type ContactListPage = { rows: ContactListRow[]; nextCursor: string | null }

const LIST_COLUMNS = [
  'contacts.id',
  'contacts.public_id',
  'contacts.name',
  'contacts.profile_name',
  'contacts.phone',
  'contacts.wa_id',
  'contacts.email',
  'contacts.country',
  'contacts.locale',
  'contacts.source',
  'contacts.created_at',
  'contacts.last_inbound_at',
  'contacts.messages_in',
  'contacts.messages_out',
]

type RawRow = Record<string, any>

export async function listContacts(
  filters: ContactListFilters,
  fields: CustomField[]
): Promise<ContactListPage> {
  const filter = await segmentFilter(filterDefinition(filters))
  const column = `contacts.${CONTACT_SORTS[filters.sort]}`
  const nullable = NULLABLE.has(CONTACT_SORTS[filters.sort])
  const desc = filters.dir === 'desc'
  const op = desc ? '<' : '>'
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : null
  const want = filters.limit + 1

  const rows: RawRow[] = []
  // Part 1: rows whose sort value is set (all rows for non-null columns).
  if (!cursor || cursor.value !== null) {
    const query = contactsQuery()
      .select(LIST_COLUMNS)
      .orderBy(column, filters.dir)
      .orderBy('contacts.id', filters.dir)
      .limit(want)
    if (nullable) query.whereNotNull(column)
    if (cursor) {
      const value = cursor.value
      query.where((where) => {
        where.where(column, op, value!).orWhere((tie) => {
          tie.where(column, value!).where('contacts.id', op, cursor.id)
        })
      })
    }
    filter(query)
    rows.push(...(await query))
  }
  // Part 2: rows without a value, by id, once part 1 is exhausted.
  if (nullable && rows.length < want) {
    const query = contactsQuery()
      .select(LIST_COLUMNS)
      .whereNull(column)
      .orderBy('contacts.id', filters.dir)
      .limit(want - rows.length)
    if (cursor && cursor.value === null) query.where('contacts.id', op, cursor.id)
    filter(query)
    rows.push(...(await query))
  }

  const more = rows.length > filters.limit
  const page = rows.slice(0, filters.limit)
  const last = page[page.length - 1]
  const sortKey = CONTACT_SORTS[filters.sort]
  const nextCursor =
    more && last
      ? encodeCursor(
          DATE_SORTS.has(sortKey) || typeof last[sortKey] !== 'number'
            ? last[sortKey]
            : Number(last[sortKey]),
          Number(last.id)
        )
      : null

  const ids = page.map((row) => Number(row.id))
  const values = await fieldValuesOf(ids, fields)
  const tags = await tagsOf(ids)
  return {
    rows: page.map((row) => ({
      id: String(row.public_id),
      displayName: row.name ?? row.profile_name ?? row.phone ?? row.wa_id ?? '',
      name: row.name ?? null,
      phone: row.phone ?? null,
      email: row.email ?? null,
      country: row.country ?? null,
      locale: row.locale ?? null,
      source: String(row.source),
      createdAt: storedIso(row.created_at)!,
      lastInboundAt: storedIso(row.last_inbound_at),
      messagesIn: Number(row.messages_in ?? 0),
      messagesOut: Number(row.messages_out ?? 0),
      tags: tags.get(Number(row.id)) ?? [],
      fields: values.get(Number(row.id)) ?? {},
    })),
    nextCursor,
  }
}

/** Explicitly scoped: the tags of some contacts. */
export async function tagsOf(contactIds: number[]) {
  const result = new Map<number, { id: string; name: string; color: string }[]>()
  if (!contactIds.length) return result
  const rows = await db
    .from('contact_tags')
    .join('tags', (join) => {
      join
        .on('tags.workspace_id', 'contact_tags.workspace_id')
        .andOn('tags.id', 'contact_tags.tag_id')
    })
    .where('contact_tags.workspace_id', tenancy.workspaceId())
    .whereIn('contact_tags.contact_id', contactIds)
    .orderBy('tags.name')
    .select('contact_tags.contact_id', 'tags.public_id', 'tags.name', 'tags.color')
  for (const row of rows) {
    const list = result.get(Number(row.contact_id)) ?? []
    list.push({ id: row.public_id, name: row.name, color: row.color })
    result.set(Number(row.contact_id), list)
  }
  return result
}
