import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js'
import type { ConversationFilters, ConversationPage, InboxStatus, InboxView } from '#inbox/types'
import { whereVisible, type InboxScope } from '#inbox/queries/inbox_scope'
import { hydratePage } from '#inbox/queries/serialize'
import { InboxException, ViewNotAllowedException } from '#inbox/exceptions/inbox_exceptions'
import { sqlDateTime } from '#core/helpers/sql_time'
import { segmentFilter } from '#contacts/segments/compile'
import { InvalidSegmentException } from '#contacts/segments/exceptions'
import type { SegmentCondition } from '#contacts/segments/types'
import type { HttpContext } from '@adonisjs/core/http'

export const VIEWS: InboxView[] = ['mine', 'unassigned', 'teams', 'all']
export const STATUSES: InboxStatus[] = ['open', 'pending', 'snoozed', 'resolved']
export const DEFAULT_LIMIT = 30
export const MAX_LIMIT = 100

/**
 * The view a member lands on: `all` with `inbox.view_all` (supervisors
 * watch the whole workspace), else `mine`.
 */
export function defaultView(scope: Pick<InboxScope, 'canViewAll'>): InboxView {
  return scope.canViewAll ? 'all' : 'mine'
}

const text = (value: unknown, max = 200) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined

/**
 * Query string → filters, leniently: unknown values are dropped rather
 * than refused (a stale bookmark still opens the inbox).
 */
export function parseFilters(qs: Record<string, unknown>, scope: InboxScope): ConversationFilters {
  const filters: ConversationFilters = {}
  const view = text(qs.view) as InboxView | undefined
  filters.view = view && VIEWS.includes(view) ? view : defaultView(scope)
  const status = text(qs.status)
  filters.status =
    status === 'any' || STATUSES.includes(status as InboxStatus)
      ? (status as InboxStatus | 'any')
      : 'open'
  for (const key of ['assignee', 'team', 'channel', 'q', 'cursor'] as const) {
    const value = text(qs[key], key === 'cursor' ? 400 : 200)
    if (value) filters[key] = value
  }
  const tags = Array.isArray(qs.tags) ? qs.tags.join(',') : text(qs.tags, 2000)
  if (tags) {
    filters.tags = [
      ...new Set(
        tags
          .split(',')
          .map((tag) => tag.trim())
          .filter(Boolean)
      ),
    ].slice(0, 20)
  }
  for (const key of ['from', 'to'] as const) {
    const value = text(qs[key], 40)
    if (value && DateTime.fromISO(value).isValid) filters[key] = value
  }
  if (qs.unread === true || qs.unread === 'true' || qs.unread === '1') filters.unread = true
  const priority = Number(qs.priority)
  if (qs.priority !== undefined && qs.priority !== '' && Number.isInteger(priority)) {
    filters.priority = Math.min(4, Math.max(0, priority))
  }
  const limit = Number(qs.limit)
  if (Number.isInteger(limit) && limit > 0) filters.limit = Math.min(MAX_LIMIT, limit)
  // contact[name]=…, contact[phone]=… (or contact.name=… flat keys)
  const contact: Record<string, string> = {}
  const nested = qs.contact
  if (nested && typeof nested === 'object' && !Array.isArray(nested)) {
    for (const [key, value] of Object.entries(nested)) {
      const clean = text(value, 100)
      if (clean) contact[key] = clean
    }
  }
  for (const [key, value] of Object.entries(qs)) {
    if (!key.startsWith('contact.')) continue
    const clean = text(value, 100)
    if (clean) contact[key.slice('contact.'.length)] = clean
  }
  if (Object.keys(contact).length) filters.contact = contact
  const segment = text(qs.segment, 40)
  if (segment) filters.segment = segment
  const locale = text(qs.contactLocale, 16)
  if (locale) filters.contactLocale = locale
  return filters
}

/**
 * The segment filter names no saved segment of this workspace (deleted,
 * another workspace's, mistyped), or the segment cannot be compiled.
 * JSON callers get 422 `{ errors: [{ code, field: 'segment', message }] }`;
 * an Inertia visit is redirected to the same URL without `segment`, with
 * the message flashed (redirecting "back" could loop on a bookmark).
 */
export class InvalidSegmentFilterException extends InboxException {
  static status = 422
  static code = 'E_INVALID_SEGMENT_FILTER'
  static message = 'This contact segment does not exist in this workspace.'

  constructor(
    public reason: 'unknown' | 'invalid',
    public details: string[] = []
  ) {
    super()
  }

  async handle(error: this, ctx: HttpContext) {
    const fallback =
      error.reason === 'unknown'
        ? InvalidSegmentFilterException.message
        : `This contact segment cannot be used as a filter: ${error.details.join('; ')}`
    const key =
      error.reason === 'unknown'
        ? 'inbox.filters.errors.unknown_segment'
        : 'inbox.filters.errors.invalid_segment'
    const message = ctx.i18n
      ? ctx.i18n.t(key, { details: error.details.join('; ') }, fallback)
      : fallback
    const wantsJson =
      !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'
    if (wantsJson) {
      return ctx.response
        .status(422)
        .send({ errors: [{ code: error.code, field: 'segment', message }] })
    }
    ctx.session?.flash('error', message)
    const qs = { ...ctx.request.qs() }
    delete qs.segment
    delete qs.cursor
    const search = new URLSearchParams(
      Object.entries(qs).flatMap(([name, value]) =>
        typeof value === 'string' ? [[name, value] as [string, string]] : []
      )
    ).toString()
    return ctx.response.redirect(`${ctx.request.url()}${search ? `?${search}` : ''}`)
  }
}

/** The workspace's saved segments for the inbox's segment filter, by name. */
export async function segmentRefs(workspaceId: number) {
  // Explicitly scoped
  const rows = await db
    .from('segments')
    .where('workspace_id', workspaceId)
    .orderBy('name', 'asc')
    .select('public_id', 'name')
  return rows.map((row) => ({ id: String(row.public_id), name: String(row.name) }))
}

/**
 * segment / contactLocale → one WHERE clause on `contacts` from the
 * contacts segment engine (the inbox has no filter language of its own).
 * Undefined when neither filter is set.
 */
async function contactSegmentFilter(
  workspaceId: number,
  filters: ConversationFilters
): Promise<((query: any) => void) | undefined> {
  const conditions: SegmentCondition[] = []
  if (filters.segment) {
    // Explicitly scoped: another workspace's segment is as unknown as a typo.
    const known = await db
      .from('segments')
      .where('workspace_id', workspaceId)
      .where('public_id', filters.segment)
      .select('id')
      .first()
    if (!known) throw new InvalidSegmentFilterException('unknown')
    conditions.push({ type: 'segment', segment: filters.segment })
  }
  if (filters.contactLocale) {
    conditions.push({ type: 'field', field: 'locale', op: 'eq', value: filters.contactLocale })
  }
  if (!conditions.length) return undefined
  try {
    return await segmentFilter({ type: 'group', match: 'all', conditions })
  } catch (error) {
    if (error instanceof InvalidSegmentException) {
      throw new InvalidSegmentFilterException(
        'invalid',
        error.errors.map((item) => item.message)
      )
    }
    throw error
  }
}

/** Opaque cursor: base64url of the last row's sort key (stored value, id). */
export function encodeCursor(lastMessageAt: unknown, id: number): string {
  let at: string | null = null
  if (lastMessageAt instanceof Date) {
    at = DateTime.fromJSDate(lastMessageAt).toUTC().toFormat('yyyy-LL-dd HH:mm:ss.SSS')
  } else if (lastMessageAt !== null && lastMessageAt !== undefined) {
    at = String(lastMessageAt)
  }
  return Buffer.from(JSON.stringify([at, id])).toString('base64url')
}

export function decodeCursor(cursor: string): { at: string | null; id: number } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (!Number.isInteger(id) || (at !== null && typeof at !== 'string')) return null
    return { at, id }
  } catch {
    return null
  }
}

/** Characters with a meaning in MySQL's boolean full-text mode, and LIKE's wildcards. */
const BOOLEAN_OPERATORS = /[+\-><()~*"@]/g
const escapeLike = (value: string) => value.replace(/[!%_]/g, (char) => `!${char}`)

/** `column LIKE pattern` with `!` as the escape character (same SQL on SQLite and MySQL). */
function like(builder: any, column: string, pattern: string, or = false) {
  return builder[or ? 'orWhereRaw' : 'whereRaw'](`${column} LIKE ? ESCAPE '!'`, [pattern])
}
/** InnoDB's default `innodb_ft_min_token_size`: shorter words are not indexed. */
const FULLTEXT_MIN_WORD = 3

/**
 * `+word*` for every word of the user's query (operators stripped), so all
 * words must appear, each as a prefix. Null when no word is long enough
 * for the index.
 */
export function booleanQuery(q: string): string | null {
  const words = q
    .replace(BOOLEAN_OPERATORS, ' ')
    .split(/\s+/)
    .filter((word) => word.length >= FULLTEXT_MIN_WORD)
    .slice(0, 10)
  return words.length ? words.map((word) => `+${word}*`).join(' ') : null
}

/**
 * The ids behind the public ids of the assignee, team and channel filters
 * (one query each, only those given, concurrently). Tags are resolved
 * inside the list statement (see `whereTagged`).
 */
type ResolvedIds = {
  assignee: number | 'none' | null | undefined
  team: number | 'none' | null | undefined
  channel: number | null | undefined
}

async function resolveIds(workspaceId: number, filters: ConversationFilters): Promise<ResolvedIds> {
  const one = async (table: string, publicId: string | undefined, column = 'id') => {
    if (!publicId) return undefined
    const row = await db
      .from(table)
      .where('workspace_id', workspaceId)
      .where('public_id', publicId)
      .select(column)
      .first()
    return row ? Number(row[column]) : null
  }
  const [assignee, team, channel] = await Promise.all([
    filters.assignee === 'none'
      ? ('none' as const)
      : one('memberships', filters.assignee, 'user_id'),
    filters.team === 'none' ? ('none' as const) : one('teams', filters.team),
    one('channels', filters.channel),
  ])
  return { assignee, team, channel }
}

/**
 * Conversations carrying the tag of this public id. The tag's id is an
 * uncorrelated subquery on its unique key (MariaDB reads it once, as a
 * constant; a tag of another workspace or a stale one matches nothing:
 * the guard makes that an "Impossible WHERE" instead of a walk down the
 * list). A correlated count, not EXISTS: MariaDB turns EXISTS into a
 * semi-join driven by the tag index (thousands of row look-ups and a
 * filesort on a common tag); the count keeps the walk down the list
 * index, checking one pivot row per conversation (bench:inbox, filtered
 * view).
 */
function whereTagged(query: any, workspaceId: number, tagPublicId: string) {
  const tagId = 'select tags.id from tags where tags.workspace_id = ? and tags.public_id = ?'
  query
    .whereRaw(`(${tagId}) is not null`, [workspaceId, tagPublicId])
    .whereRaw(
      `(select count(*) from conversation_tags where conversation_tags.workspace_id = ? and conversation_tags.conversation_id = conversations.id and conversation_tags.tag_id = (${tagId})) > 0`,
      [workspaceId, workspaceId, tagPublicId]
    )
}

/**
 * One page of the conversation list for a member: view, status and the
 * combinable filters, newest activity first, keyset-paginated on
 * (last_message_at desc, id desc) so new conversations arriving between
 * pages never cause duplicates or gaps. One statement (the page's ids as
 * a derived table, hydrated with contact, channel, assignee, team and
 * tags in the same statement); a search may take a second one (see
 * `SEARCH_SEEK`).
 */
export async function listConversations(
  scope: InboxScope,
  filters: ConversationFilters
): Promise<ConversationPage> {
  const { workspaceId } = scope
  const view = filters.view ?? defaultView(scope)
  if (view === 'all' && !scope.canViewAll) throw new ViewNotAllowedException()
  const limit = Math.min(MAX_LIMIT, Math.max(1, filters.limit ?? DEFAULT_LIMIT))
  const empty: ConversationPage = { items: [], nextCursor: null }

  const [resolved, contactSegment] = await Promise.all([
    resolveIds(workspaceId, filters),
    contactSegmentFilter(workspaceId, filters),
  ])
  const { assignee, team, channel } = resolved
  if (assignee === null || team === null || channel === null) return empty
  const ids = { assignee, team, channel }
  if (view === 'teams' && !scope.teamIds.length) return empty
  if (filters.contact && !contactConditions(filters.contact)) return empty

  const page = (search: 'seek' | 'scan' | null) =>
    hydratePage(
      workspaceId,
      pageQuery({ scope, filters, view, ids, contactSegment, search, limit }),
      search === 'seek' ? ['matched_count'] : []
    )

  let rows: Awaited<ReturnType<typeof hydratePage>>
  if (filters.q) {
    // Seek first: the page is read from the (at most SEARCH_SEEK.limit + 1)
    // matching conversations; more than that (a common word) and the
    // search runs inside the list statement instead. An empty page does
    // not say how many matched: counted separately.
    rows = await page('seek')
    const matched = rows.length
      ? Number(rows[0].extra.matched_count)
      : await countSearchMatches(workspaceId, filters.q)
    if (matched > SEARCH_SEEK.limit) rows = await page('scan')
  } else {
    rows = await page(null)
  }

  const more = rows.length > limit
  const items = more ? rows.slice(0, limit) : rows
  const last = items.at(-1)
  return {
    items: items.map((row) => row.item),
    nextCursor: more && last ? encodeCursor(last.lastMessageAt, last.id) : null,
  }
}

/**
 * The ordered, limited query of a page's conversation ids and sort keys:
 * view, status, filters, search and cursor. The search either joins the
 * matching conversations as a derived table (`seek`, with their count as
 * `matched.matched_count`) or tests each row of the list walk (`scan`).
 */
function pageQuery(options: {
  scope: InboxScope
  filters: ConversationFilters
  view: InboxView
  ids: { [K in keyof ResolvedIds]: Exclude<ResolvedIds[K], null> }
  contactSegment: ((query: any) => void) | undefined
  search: 'seek' | 'scan' | null
  limit: number
}) {
  const { scope, filters, view, ids, contactSegment, search, limit } = options
  const { workspaceId } = scope
  const mysql = db.connection().dialect.name === 'mysql'
  const query = db.from('conversations').where('conversations.workspace_id', workspaceId)
  if (search === 'seek') {
    // The matching conversations are read by primary key and sorted.
    // MariaDB would otherwise walk a list index in order and probe each
    // row against the matches (LIMIT makes the walk look cheap): 30,000
    // index entries for 1,000 matches (bench:inbox, search).
    if (mysql) {
      const knex = db.connection().getReadClient()
      query.knexQuery.from(knex.raw('?? force index (primary)', ['conversations']))
    }
    query.knexQuery.join(
      searchMatches(workspaceId, filters.q!).as('matched').knexQuery,
      'matched.id',
      'conversations.id'
    )
  }

  // The view. mine, unassigned and teams lie inside what any member may
  // see; all is the whole workspace (inbox.view_all, checked above), kept
  // behind the visibility rule anyway. No OR on the other views, so each
  // uses its index (conversations_assignee_list / _team_list).
  if (view === 'mine') query.where('conversations.assignee_id', scope.userId)
  else if (view === 'unassigned') query.whereNull('conversations.assignee_id')
  else if (view === 'teams') query.whereIn('conversations.team_id', scope.teamIds)
  else whereVisible(query, scope)

  const status = filters.status ?? 'open'
  if (status !== 'any') query.where('conversations.status', status)
  if (ids.assignee === 'none') query.whereNull('conversations.assignee_id')
  else if (ids.assignee !== undefined) query.where('conversations.assignee_id', ids.assignee)
  if (ids.team === 'none') query.whereNull('conversations.team_id')
  else if (ids.team !== undefined) query.where('conversations.team_id', ids.team)
  if (ids.channel !== undefined) query.where('conversations.channel_id', ids.channel)
  if (filters.from) {
    query.where('conversations.last_message_at', '>=', sqlDateTime(DateTime.fromISO(filters.from)))
  }
  if (filters.to) {
    // A date alone means the whole day.
    const to = DateTime.fromISO(filters.to)
    const end = /^\d{4}-\d{2}-\d{2}$/.test(filters.to)
      ? to.plus({ days: 1 })
      : to.plus({ seconds: 1 })
    query.where('conversations.last_message_at', '<', sqlDateTime(end))
  }
  if (filters.unread) query.where('conversations.unread_count', '>', 0)
  if (filters.priority !== undefined && filters.priority > 0) {
    query.where('conversations.priority', '>=', filters.priority)
  }
  // After the column tests: MariaDB evaluates a row's conditions in the
  // order written, so the tag look-up runs only for rows that passed the
  // status index's own columns (bench:inbox filtered view: 366 look-ups
  // instead of 1,944 for a page).
  for (const tag of filters.tags ?? []) whereTagged(query, workspaceId, tag)
  const contact = filters.contact && contactConditions(filters.contact)
  if (contact && contact.length) {
    query.whereIn('conversations.contact_id', (sub: any) => {
      sub.from('contacts').where('contacts.workspace_id', workspaceId).select('contacts.id')
      for (const condition of contact) condition(sub)
    })
  }
  if (contactSegment) {
    query.whereIn('conversations.contact_id', (sub: any) => {
      // Explicitly scoped; the engine's own subqueries scope themselves.
      sub.from('contacts').where('contacts.workspace_id', workspaceId).select('contacts.id')
      contactSegment(sub)
    })
  }
  if (search === 'scan') applySearch(query, workspaceId, filters.q!)

  if (filters.cursor) {
    const cursor = decodeCursor(filters.cursor)
    if (cursor) {
      const at = cursor.at
      query.where((where) => {
        if (at === null) {
          where.whereNull('conversations.last_message_at').where('conversations.id', '<', cursor.id)
        } else {
          where
            .where('conversations.last_message_at', '<', at)
            .orWhere((same) =>
              same
                .where('conversations.last_message_at', at)
                .where('conversations.id', '<', cursor.id)
            )
            .orWhereNull('conversations.last_message_at')
        }
      })
    }
  }

  query
    .select('conversations.id', 'conversations.last_message_at')
    .orderBy('conversations.last_message_at', 'desc')
    .orderBy('conversations.id', 'desc')
    .limit(limit + 1)
  if (search === 'seek') query.select('matched.matched_count')
  return query
}

/**
 * Contact fields: name (name or WhatsApp profile name, prefix), phone
 * (prefix, with or without +), country (ISO code, matched on the phone's
 * calling code), as conditions on `contacts`. Fields the contacts table
 * does not have yet (locale, custom fields: issue 6) are ignored. False
 * when nothing can match.
 */
function contactConditions(contact: Record<string, string>): ((sub: any) => void)[] | false {
  const conditions: ((sub: any) => void)[] = []
  if (contact.name) {
    const prefix = `${escapeLike(contact.name)}%`
    conditions.push((sub) =>
      sub.where((where: any) =>
        like(like(where, 'contacts.name', prefix), 'contacts.profile_name', prefix, true)
      )
    )
  }
  if (contact.phone) {
    const digits = contact.phone.replace(/[^\d]/g, '')
    if (!digits) return false
    conditions.push((sub) => sub.where('contacts.phone', 'like', `+${digits}%`))
  }
  if (contact.country) {
    let code: string
    try {
      code = getCountryCallingCode(contact.country.toUpperCase() as CountryCode)
    } catch {
      return false
    }
    conditions.push((sub) => sub.where('contacts.phone', 'like', `+${code}%`))
  }
  return conditions
}

/**
 * A search is answered from the matching conversations (`seek`) when at
 * most `limit` conversations match; beyond it (a common word) the search
 * stays inside the list statement, where walking the list index finds a
 * page quickly (`scan`). An object so tests can take the other path.
 */
export const SEARCH_SEEK = { limit: 2000 }

/**
 * Search, seek first: the ids of the workspace's conversations whose
 * contact's name, WhatsApp profile name or phone starts with the query,
 * or with a message containing every word (MySQL/MariaDB: FULLTEXT MATCH …
 * AGAINST in boolean mode, `+word*`; SQLite: LIKE '%query%'), as one
 * subquery (UNION) of at most `SEARCH_SEEK.limit + 1` rows: `id`, and
 * `matched_count`, how many rows it has (more than the limit: the caller
 * searches inside the list statement instead). The list statement joins
 * it, so the page reads only those conversations (primary key look-ups
 * and a small sort) instead of walking the list index.
 */
function searchMatches(workspaceId: number, q: string) {
  const matches = db
    .from(
      matchingConversations(workspaceId, q)
        .limit(SEARCH_SEEK.limit + 1)
        .as('found')
    )
    .select('found.id', db.raw('count(*) over () as matched_count'))
  return matches
}

/** How many conversations a search matches, counting at most to `SEARCH_SEEK.limit + 1`. */
async function countSearchMatches(workspaceId: number, q: string): Promise<number> {
  const row = await db
    .from(
      matchingConversations(workspaceId, q)
        .limit(SEARCH_SEEK.limit + 1)
        .as('found')
    )
    .count('* as total')
    .first()
  return Number(row?.total ?? 0)
}

/** The UNION of the conversations whose contact or whose messages match the search. */
function matchingConversations(workspaceId: number, q: string) {
  const mysql = db.connection().dialect.name === 'mysql'
  const fulltext = mysql ? booleanQuery(q) : null
  const query = db
    .from('conversations')
    .where('conversations.workspace_id', workspaceId)
    .whereIn('conversations.contact_id', (sub: any) => contactMatches(sub, workspaceId, q))
    .select('conversations.id')
  if (fulltext) {
    query.union((messages: any) =>
      messages
        .from('messages')
        .whereRaw('MATCH(messages.body) AGAINST(? IN BOOLEAN MODE)', [fulltext])
        .where('messages.workspace_id', workspaceId)
        .select('messages.conversation_id')
    )
  } else if (!mysql) {
    query.union((messages: any) =>
      like(
        messages
          .from('messages')
          .where('messages.workspace_id', workspaceId)
          .select('messages.conversation_id'),
        'messages.body',
        `%${escapeLike(q)}%`
      )
    )
  }
  return query
}

/** The ids of the contacts whose name, WhatsApp profile name or phone starts with `q`. */
function contactMatches(sub: any, workspaceId: number, q: string) {
  const prefix = `${escapeLike(q)}%`
  const digits = q.replace(/[\s\-()+.]/g, '')
  const phoneLike = /^\d{3,}$/.test(digits) ? `+${digits}%` : null
  return sub
    .from('contacts')
    .where('contacts.workspace_id', workspaceId)
    .where((names: any) => {
      like(like(names, 'contacts.name', prefix), 'contacts.profile_name', prefix, true)
      if (phoneLike) names.orWhere('contacts.phone', 'like', phoneLike)
    })
    .select('contacts.id')
}

/**
 * Search: contacts whose name, WhatsApp profile name or phone starts with
 * the query, or conversations with a message containing every word
 * (MySQL/MariaDB: FULLTEXT MATCH … AGAINST in boolean mode, `+word*`;
 * SQLite: LIKE '%query%'), inside the list statement: used when the
 * query matches more than `SEARCH_SEEK.limit` conversations.
 */
function applySearch(query: any, workspaceId: number, q: string) {
  const mysql = db.connection().dialect.name === 'mysql'
  const fulltext = mysql ? booleanQuery(q) : null

  query.where((where: any) => {
    where.whereIn('conversations.contact_id', (sub: any) => contactMatches(sub, workspaceId, q))
    if (mysql) {
      if (fulltext) {
        // A derived table: MariaDB materialises the matching conversation
        // ids once instead of probing the full-text result per row.
        const matched = db
          .from('messages')
          .whereRaw('MATCH(messages.body) AGAINST(? IN BOOLEAN MODE)', [fulltext])
          .where('messages.workspace_id', workspaceId)
          .distinct('messages.conversation_id')
          .as('matched')
        where.orWhereIn('conversations.id', (sub: any) => {
          sub.from(matched).select('matched.conversation_id')
        })
      }
    } else {
      where.orWhereIn('conversations.id', (sub: any) => {
        sub
          .from('messages')
          .where('messages.workspace_id', workspaceId)
          .select('messages.conversation_id')
        like(sub, 'messages.body', `%${escapeLike(q)}%`)
      })
    }
  })
}
