import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { RawQueryBindings } from '@adonisjs/lucid/types/querybuilder'
import CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import { sqlDateTime } from '#core/helpers/sql_time'
import { tenancy } from '#core/tenancy/context'
import { COLUMN_OF, type FieldValue } from '#contacts/services/custom_fields'
import { InvalidSegmentException, type SegmentError } from '#contacts/segments/exceptions'
import { MAX_REFERENCE_DEPTH, OPERATORS, type ValueKind } from '#contacts/segments/operators'
import {
  checkValue,
  parseDefinition,
  type NormalValue,
  type ParsedCondition,
  type ParsedGroup,
  type ParsedNode,
} from '#contacts/segments/validate'

/**
 * The segment engine: one definition (types.ts) → one WHERE clause over
 * `contacts`, the same SQL on SQLite and MySQL/MariaDB.
 *
 * - Groups become parenthesised AND/OR; `negate` becomes NOT (...).
 *   Every condition compiles to a two-valued predicate (NULLs are guarded),
 *   so NOT is always the exact complement.
 * - Custom fields, tags, consent, conversations and events become
 *   `contacts.id [NOT] IN (SELECT contact_id FROM … WHERE workspace_id = ? …)`:
 *   uncorrelated subqueries over the `(workspace_id, field_id, value_…)`
 *   style indexes, which MariaDB runs as semi-joins. Under an OR or a
 *   negated group (where no database flattens an IN into a semi-join),
 *   custom fields and tags become correlated probes on the unique keys
 *   instead — `(SELECT 1 FROM … p WHERE p.contact_id = contacts.id …) IS
 *   [NOT] NULL` — so a sample (ORDER BY id DESC LIMIT n) reads a few
 *   hundred rows instead of materialising every subquery first.
 * - Counts (`countSegment`) use the set form when the definition allows
 *   it (see `compileSet`): distinct contact ids driven from the most
 *   selective custom field or tag, the other conditions probed per id,
 *   OR as UNION; otherwise COUNT(*) over the WHERE clause above.
 * - Text comparisons are case-insensitive: LOWER() on both sides;
 *   LIKE patterns escape their wildcards with `!`.
 * - Erased contacts never match.
 *
 * See docs/segments.md for the reference.
 */

export type SegmentOptions = {
  now?: DateTime
  client?: TransactionClientContract
  /** The public id of the segment being saved: a reference to it is a cycle. */
  self?: string
}

type Fragment = { sql: string; bindings: unknown[] }

type Lookups = {
  fields: Map<string, CustomField>
  tags: Map<string, Tag>
  /** Compiled SQL of referenced segments, by public id. */
  segments: Map<string, Fragment>
  /** Checked values of custom field conditions (against the field's type). */
  values: Map<ParsedCondition, NormalValue>
}

const TRUE: Fragment = { sql: '1 = 1', bindings: [] }
const FALSE: Fragment = { sql: '1 = 0', bindings: [] }

const not = (fragment: Fragment): Fragment => ({
  sql: `NOT (${fragment.sql})`,
  bindings: fragment.bindings,
})

/** LIKE pattern text with `%`, `_` and the escape character itself escaped (ESCAPE '!'). */
export function escapeLike(value: string) {
  return value.replace(/[!%_]/g, (char) => `!${char}`)
}

/**
 * Validates `definition`, resolves its tags, custom fields and segment
 * references in the current workspace, and returns a function that adds
 * one WHERE clause to a query on `contacts` (unaliased). The caller scopes
 * `contacts.workspace_id`; the subqueries scope themselves. Throws
 * `InvalidSegmentException` (422, with paths) for an invalid definition.
 */
export async function segmentFilter(
  definition: unknown,
  options: SegmentOptions = {}
): Promise<(query: any) => void> {
  const fragment = await compileSegment(definition, options)
  return (query: any) => applyWhere(query, fragment)
}

function applyWhere(query: any, fragment: Fragment) {
  query.whereRaw(`(${fragment.sql})`, fragment.bindings)
}

/** The definition as one SQL boolean expression with its bindings. */
async function compileSegment(
  definition: unknown,
  options: SegmentOptions = {}
): Promise<Fragment> {
  const context = contextOf(options)
  const stack = options.self ? [options.self] : []
  const { fragment, errors } = await compileDefinition(definition, context, stack)
  if (errors.length) throw new InvalidSegmentException(errors)
  return withErased(fragment)
}

const withErased = (fragment: Fragment): Fragment => ({
  sql: `contacts.erased_at IS NULL AND (${fragment.sql})`,
  bindings: fragment.bindings,
})

function contextOf(options: SegmentOptions): CompileContext {
  return {
    workspaceId: tenancy.workspaceId(),
    now: (options.now ?? DateTime.utc()).toUTC(),
    client: options.client,
  }
}

type CompileContext = {
  workspaceId: number
  now: DateTime
  client?: TransactionClientContract
}

async function compileDefinition(
  definition: unknown,
  context: CompileContext,
  stack: string[]
): Promise<{ fragment: Fragment; errors: SegmentError[] }> {
  const prepared = await prepareDefinition(definition, context, stack)
  if (!prepared.tree) return { fragment: FALSE, errors: prepared.errors }
  return { fragment: compileGroup(prepared.tree, prepared.lookups, context, true), errors: [] }
}

/** Parses and resolves a definition: the tree and its lookups, or the errors. */
async function prepareDefinition(
  definition: unknown,
  context: CompileContext,
  stack: string[]
): Promise<
  | { tree: ParsedGroup; lookups: Lookups; errors: [] }
  | { tree: null; lookups: null; errors: SegmentError[] }
> {
  const { tree, errors } = parseDefinition(definition)
  if (!tree) return { tree: null, lookups: null, errors }
  const lookups = await resolve(tree, context, stack, errors)
  if (errors.length) return { tree: null, lookups: null, errors }
  return { tree, lookups, errors: [] }
}

function walk(node: ParsedNode, visit: (condition: ParsedCondition) => void) {
  if (node.type === 'group') node.conditions.forEach((child) => walk(child, visit))
  else visit(node)
}

/** Looks up every tag, custom field and referenced segment in one query each. */
async function resolve(
  tree: ParsedGroup,
  context: CompileContext,
  stack: string[],
  errors: SegmentError[]
): Promise<Lookups> {
  const keys = new Set<string>()
  const tagRefs = new Set<string>()
  const segmentRefs = new Set<string>()
  walk(tree, (condition) => {
    if (condition.type === 'custom_field') keys.add(condition.key)
    if (condition.type === 'tag') tagRefs.add(condition.tag)
    if (condition.type === 'segment') segmentRefs.add(condition.segment)
  })
  const client = context.client

  const fields = new Map<string, CustomField>()
  if (keys.size) {
    const rows = await CustomField.query({ client }).whereIn('key', [...keys])
    for (const field of rows) fields.set(field.key, field)
  }

  const tags = new Map<string, Tag>()
  if (tagRefs.size) {
    const refs = [...tagRefs]
    const lowered = [...new Set(refs.map((ref) => ref.toLowerCase()))]
    const rows = await Tag.query({ client }).where((query) => {
      query
        .whereIn('public_id', refs)
        .orWhereRaw(`LOWER(name) IN (${lowered.map(() => '?').join(', ')})`, lowered)
    })
    for (const ref of refs) {
      const tag =
        rows.find((row) => row.publicId === ref) ??
        rows.find((row) => row.name.toLowerCase() === ref.toLowerCase())
      if (tag) tags.set(ref, tag)
    }
  }

  const segments = new Map<string, Fragment>()
  const known = new Set<string>()
  if (segmentRefs.size) {
    const rows = await Segment.query({ client }).whereIn('public_id', [...segmentRefs])
    for (const segment of rows) {
      if (stack.includes(segment.publicId) || stack.length >= MAX_REFERENCE_DEPTH) continue
      const nested = await compileDefinition(segment.definition, context, [
        ...stack,
        segment.publicId,
      ])
      if (nested.errors.length) {
        // Reported at the reference below, with the first nested reason.
        segments.set(segment.publicId, { sql: '', bindings: [nested.errors[0].message] })
      } else {
        segments.set(segment.publicId, nested.fragment)
      }
    }
    for (const row of rows) known.add(row.publicId)
  }

  const values = new Map<ParsedCondition, NormalValue>()
  walk(tree, (condition) => {
    if (condition.type === 'custom_field') {
      const field = fields.get(condition.key)
      if (!field) {
        errors.push({
          path: `${condition.path}.key`,
          message: `Unknown custom field "${condition.key}"`,
        })
      } else {
        values.set(condition, checkCustomValue(field, condition, errors))
      }
    }
    if (condition.type === 'tag' && !tags.has(condition.tag)) {
      errors.push({ path: `${condition.path}.tag`, message: `Unknown tag "${condition.tag}"` })
    }
    if (condition.type === 'segment') {
      const path = `${condition.path}.segment`
      if (stack.includes(condition.segment)) {
        errors.push({ path, message: 'A segment cannot include itself (reference cycle)' })
      } else if (!known.has(condition.segment)) {
        errors.push({ path, message: `Unknown segment "${condition.segment}"` })
      } else if (stack.length >= MAX_REFERENCE_DEPTH) {
        errors.push({
          path,
          message: `Segments can reference each other at most ${MAX_REFERENCE_DEPTH} levels deep`,
        })
      } else {
        const fragment = segments.get(condition.segment)!
        if (!fragment.sql) {
          errors.push({
            path,
            message: `The referenced segment is invalid: ${String(fragment.bindings[0])}`,
          })
        }
      }
    }
  })

  return { fields, tags, segments, values }
}

/** The operator and value of a custom field condition, against the field's type. */
function checkCustomValue(
  field: CustomField,
  condition: Extract<ParsedCondition, { type: 'custom_field' }>,
  errors: SegmentError[]
): NormalValue {
  const kind = KIND_OF_FIELD[field.type]
  if (!OPERATORS[kind].includes(condition.op)) {
    errors.push({
      path: `${condition.path}.op`,
      message: `Operator must be one of: ${OPERATORS[kind].join(', ')} for a ${field.type} field`,
    })
    return null
  }
  return checkValue(
    { kind, label: field.label, options: field.options ?? [] },
    condition.op,
    condition.value,
    `${condition.path}.value`,
    errors
  )
}

/**
 * `flat`: the group sits in a chain of ANDs from the root, where an
 * `IN (subquery)` becomes a semi-join. Below an OR (with more than one
 * condition) or a NOT it does not, so custom fields and tags compile to
 * correlated probes there.
 */
function compileGroup(
  group: ParsedGroup,
  lookups: Lookups,
  context: CompileContext,
  flat: boolean
): Fragment {
  let fragment: Fragment
  if (!group.conditions.length) {
    fragment = TRUE
  } else {
    const childFlat =
      flat && !group.negate && (group.match === 'all' || group.conditions.length === 1)
    const parts = group.conditions.map((child) =>
      child.type === 'group'
        ? compileGroup(child, lookups, context, childFlat)
        : compileCondition(child, lookups, context, childFlat)
    )
    const glue = group.match === 'all' ? ' AND ' : ' OR '
    fragment = {
      sql: parts.map((part) => `(${part.sql})`).join(glue),
      bindings: parts.flatMap((part) => part.bindings),
    }
  }
  return group.negate ? not(fragment) : fragment
}

function compileCondition(
  condition: ParsedCondition,
  lookups: Lookups,
  context: CompileContext,
  flat: boolean
): Fragment {
  if (!flat) {
    const probe = probeOf(condition, lookups, context, 'contacts.id')
    if (probe) return probe
  }
  const fragment = compilePositive(condition, lookups, context)
  return condition.negate ? not(fragment) : fragment
}

function compilePositive(
  condition: ParsedCondition,
  lookups: Lookups,
  context: CompileContext
): Fragment {
  const ws = context.workspaceId
  switch (condition.type) {
    case 'field':
      return condition.kind === 'datetime'
        ? dateTimePredicate(`contacts.${condition.field}`, condition.op, condition.value, context)
        : textPredicate(`contacts.${condition.field}`, condition.op, condition.value)

    case 'engagement':
      return condition.kind === 'datetime'
        ? dateTimePredicate(`contacts.${condition.metric}`, condition.op, condition.value, context)
        : numberPredicate(`contacts.${condition.metric}`, condition.op, condition.value)

    case 'custom_field': {
      const field = lookups.fields.get(condition.key)!
      return customFieldPredicate(field, condition, lookups.values.get(condition) ?? null, context)
    }

    case 'tag': {
      const tag = lookups.tags.get(condition.tag)!
      const inSet = condition.op === 'has' ? 'IN' : 'NOT IN'
      return {
        sql: `contacts.id ${inSet} (SELECT contact_id FROM contact_tags WHERE workspace_id = ? AND tag_id = ?)`,
        bindings: [ws, tag.id],
      }
    }

    case 'consent':
      return consentPredicate(condition.scope, condition.state, ws)

    case 'conversation': {
      const inSet = condition.op === 'has' ? 'IN' : 'NOT IN'
      const statuses = condition.status
      const statusSql = statuses.length
        ? ` AND status IN (${statuses.map(() => '?').join(', ')})`
        : ''
      return {
        sql: `contacts.id ${inSet} (SELECT contact_id FROM conversations WHERE workspace_id = ?${statusSql})`,
        bindings: [ws, ...statuses],
      }
    }

    case 'event': {
      const inSet = condition.op === 'occurred' ? 'IN' : 'NOT IN'
      const since = condition.withinDays === null ? '' : ' AND occurred_at >= ?'
      const bindings: unknown[] = [ws, condition.name]
      if (condition.withinDays !== null) {
        bindings.push(sqlDateTime(context.now.minus({ days: condition.withinDays })))
      }
      return {
        sql: `contacts.id ${inSet} (SELECT contact_id FROM contact_events WHERE workspace_id = ? AND kind = 'custom' AND name = ?${since})`,
        bindings,
      }
    }

    case 'segment':
      return lookups.segments.get(condition.segment)!
  }
}

/** Text operators on a nullable text expression (case-insensitive). */
function textPredicate(expr: string, op: string, value: NormalValue): Fragment {
  const lower = (item: FieldValue) => String(item).toLowerCase()
  switch (op) {
    case 'eq':
      return {
        sql: `${expr} IS NOT NULL AND LOWER(${expr}) = ?`,
        bindings: [lower(value as string)],
      }
    case 'neq':
      return not(textPredicate(expr, 'eq', value))
    case 'contains':
      return {
        sql: `${expr} IS NOT NULL AND LOWER(${expr}) LIKE ? ESCAPE '!'`,
        bindings: [`%${escapeLike(lower(value as string))}%`],
      }
    case 'not_contains':
      return not(textPredicate(expr, 'contains', value))
    case 'starts_with':
      return {
        sql: `${expr} IS NOT NULL AND LOWER(${expr}) LIKE ? ESCAPE '!'`,
        bindings: [`${escapeLike(lower(value as string))}%`],
      }
    case 'in': {
      const values = [...new Set((value as FieldValue[]).map(lower))]
      return {
        sql: `${expr} IS NOT NULL AND LOWER(${expr}) IN (${values.map(() => '?').join(', ')})`,
        bindings: values,
      }
    }
    case 'is_set':
      return { sql: `${expr} IS NOT NULL AND ${expr} <> ''`, bindings: [] }
    case 'is_not_set':
      return not(textPredicate(expr, 'is_set', value))
  }
  throw new Error(`Unexpected text operator ${op}`)
}

/** Number operators on a NOT NULL numeric expression. */
function numberPredicate(expr: string, op: string, value: NormalValue): Fragment {
  const comparisons: Record<string, string> = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' }
  if (comparisons[op]) return { sql: `${expr} ${comparisons[op]} ?`, bindings: [value] }
  if (op === 'neq') return not(numberPredicate(expr, 'eq', value))
  if (op === 'between') {
    const [from, to] = value as [number, number]
    return { sql: `${expr} >= ? AND ${expr} <= ?`, bindings: [from, to] }
  }
  throw new Error(`Unexpected number operator ${op}`)
}

const dayStart = (date: string) => `${date} 00:00:00`
const nextDayStart = (date: string) =>
  sqlDateTime(DateTime.fromISO(date, { zone: 'utc' }).plus({ days: 1 }))

/** Date operators on a nullable UTC DATETIME/TIMESTAMP column. Days are UTC days. */
function dateTimePredicate(
  expr: string,
  op: string,
  value: NormalValue,
  context: CompileContext
): Fragment {
  const guard = `${expr} IS NOT NULL AND `
  switch (op) {
    case 'before':
      return { sql: `${guard}${expr} < ?`, bindings: [dayStart(value as string)] }
    case 'after':
      return { sql: `${guard}${expr} >= ?`, bindings: [nextDayStart(value as string)] }
    case 'on':
      return {
        sql: `${guard}${expr} >= ? AND ${expr} < ?`,
        bindings: [dayStart(value as string), nextDayStart(value as string)],
      }
    case 'between': {
      const [from, to] = value as [string, string]
      return {
        sql: `${guard}${expr} >= ? AND ${expr} < ?`,
        bindings: [dayStart(from), nextDayStart(to)],
      }
    }
    case 'within_days':
      return {
        sql: `${guard}${expr} >= ? AND ${expr} <= ?`,
        bindings: [
          sqlDateTime(context.now.minus({ days: value as number })),
          sqlDateTime(context.now),
        ],
      }
    case 'older_than_days':
      return {
        sql: `${guard}${expr} < ?`,
        bindings: [sqlDateTime(context.now.minus({ days: value as number }))],
      }
    case 'is_set':
      return { sql: `${expr} IS NOT NULL`, bindings: [] }
    case 'is_not_set':
      return { sql: `${expr} IS NULL`, bindings: [] }
  }
  throw new Error(`Unexpected date operator ${op}`)
}

/** Date operators on a calendar date (YYYY-MM-DD), days relative to today (UTC). */
function datePredicate(
  expr: string,
  op: string,
  value: NormalValue,
  context: CompileContext
): Fragment {
  const today = context.now.toISODate()!
  const daysAgo = (days: number) => context.now.minus({ days }).toISODate()!
  switch (op) {
    case 'before':
      return { sql: `${expr} < ?`, bindings: [value] }
    case 'after':
      return { sql: `${expr} > ?`, bindings: [value] }
    case 'on':
      return { sql: `${expr} = ?`, bindings: [value] }
    case 'between': {
      const [from, to] = value as [string, string]
      return { sql: `${expr} >= ? AND ${expr} <= ?`, bindings: [from, to] }
    }
    case 'within_days':
      return {
        sql: `${expr} >= ? AND ${expr} <= ?`,
        bindings: [daysAgo(value as number), today],
      }
    case 'older_than_days':
      return { sql: `${expr} < ?`, bindings: [daysAgo(value as number)] }
  }
  throw new Error(`Unexpected date operator ${op}`)
}

const KIND_OF_FIELD: Record<CustomField['type'], ValueKind> = {
  text: 'text',
  dropdown: 'dropdown',
  number: 'number',
  date: 'date',
  checkbox: 'checkbox',
}

/** The typed value columns, in the order of the `cfv_value_lookup` index. */
const VALUE_COLUMNS = ['value_text', 'value_number', 'value_date', 'value_bool'] as const

/**
 * The rows of `contact_field_values` a custom field condition is about:
 * the conditions after `workspace_id = ? AND field_id = ?` (unqualified
 * value columns), and whether a contact matches by having such a row
 * (`member`) or by having none. A contact without a value has no row, so
 * `is_not_set`, `neq` and `not_contains` are "no row of the positive form".
 */
function customFieldRows(
  field: CustomField,
  condition: Extract<ParsedCondition, { type: 'custom_field' }>,
  value: NormalValue,
  context: CompileContext,
  alias = ''
): { where: Fragment; member: boolean } {
  const col = (name: string) => (alias ? `${alias}.${name}` : name)
  const kind = KIND_OF_FIELD[field.type]
  const { op } = condition
  const negative: Record<string, string> = {
    neq: 'eq',
    not_contains: 'contains',
    is_not_set: 'is_set',
  }
  const positiveOp = negative[op] ?? op
  let predicate: Fragment | null
  if (positiveOp === 'is_set') {
    predicate = null
  } else if (kind === 'text') {
    predicate = textPredicate(col('value_text'), positiveOp, value)
  } else if (kind === 'dropdown') {
    // Options are stored canonical: exact comparison, served by the index.
    const values = positiveOp === 'in' ? (value as FieldValue[]) : [value]
    predicate = {
      sql: `${col('value_text')} IN (${values.map(() => '?').join(', ')})`,
      bindings: values,
    }
  } else if (kind === 'number') {
    predicate = numberPredicate(col('value_number'), positiveOp, value)
  } else if (kind === 'date') {
    predicate = datePredicate(col('value_date'), positiveOp, value, context)
  } else {
    predicate = { sql: `${col('value_bool')} = ?`, bindings: [value ? 1 : 0] }
  }
  // The typed columns before this one are NULL for this field: saying so
  // lets the one (field, text, number, date, bool) index serve the range.
  const column = COLUMN_OF[field.type]
  const prefix = VALUE_COLUMNS.slice(0, VALUE_COLUMNS.indexOf(column))
    .map((name) => ` AND ${col(name)} IS NULL`)
    .join('')
  return {
    where: {
      sql: `${prefix}${predicate ? ` AND ${predicate.sql}` : ''}`,
      bindings: predicate?.bindings ?? [],
    },
    member: !negative[op],
  }
}

/**
 * A custom field condition: `contacts.id IN (SELECT contact_id FROM
 * contact_field_values WHERE workspace_id = ? AND field_id = ? AND …)`
 * (NOT IN for the negative operators).
 */
function customFieldPredicate(
  field: CustomField,
  condition: Extract<ParsedCondition, { type: 'custom_field' }>,
  value: NormalValue,
  context: CompileContext
): Fragment {
  const { where, member } = customFieldRows(field, condition, value, context)
  return {
    sql:
      `contacts.id ${member ? 'IN' : 'NOT IN'} (SELECT contact_id FROM contact_field_values` +
      ` WHERE workspace_id = ? AND field_id = ?${where.sql})`,
    bindings: [context.workspaceId, field.id, ...where.bindings],
  }
}

/* ------------------------------------------------------------------ */
/* Keyed forms of custom field and tag conditions: probes and drivers. */
/* ------------------------------------------------------------------ */

/**
 * A custom field or tag condition as the rows of one table that decide
 * it, keyed by contact: `from` (the table), `where` (after `workspace_id
 * = ?`, columns qualified with the table's alias, bindings included), `member` (a contact
 * matches by having such a row, or by having none; `negate` applied) and
 * `rank` (how selective a driver it is likely to be: lower is better).
 * At most one row per contact: (workspace, contact, field) is the primary
 * key of contact_field_values and (workspace, contact, tag) is unique in
 * contact_tags. Other conditions are not keyed (null).
 */
type Keyed = { from: string; where: Fragment; member: boolean; rank: number }

const EXACT_OPS = new Set(['eq', 'in', 'on'])
const NARROW_OPS = new Set(['starts_with', 'between'])

function keyedOf(
  condition: ParsedCondition,
  lookups: Lookups,
  context: CompileContext,
  alias: string
): Keyed | null {
  if (condition.type === 'custom_field') {
    const field = lookups.fields.get(condition.key)!
    const value = lookups.values.get(condition) ?? null
    const { where, member } = customFieldRows(field, condition, value, context, alias)
    const rank = EXACT_OPS.has(condition.op) ? 1 : NARROW_OPS.has(condition.op) ? 3 : 4
    return {
      from: 'contact_field_values',
      where: {
        sql: ` AND ${alias}.field_id = ?${where.sql}`,
        bindings: [field.id, ...where.bindings],
      },
      member: member !== condition.negate,
      rank: condition.op === 'is_set' ? 5 : rank,
    }
  }
  if (condition.type === 'tag') {
    const tag = lookups.tags.get(condition.tag)!
    return {
      from: 'contact_tags',
      where: { sql: ` AND ${alias}.tag_id = ?`, bindings: [tag.id] },
      member: (condition.op === 'has') !== condition.negate,
      rank: 2,
    }
  }
  return null
}

/**
 * A keyed condition checked for one contact id (`idExpr`): a lookup on the
 * unique key, `(SELECT 1 FROM … p WHERE p.workspace_id = ? AND
 * p.contact_id = <id> …) IS [NOT] NULL`. `negate` is applied.
 */
function probeOf(
  condition: ParsedCondition,
  lookups: Lookups,
  context: CompileContext,
  idExpr: string
): Fragment | null {
  const keyed = keyedOf(condition, lookups, context, 'p')
  if (!keyed) return null
  return {
    sql:
      `(SELECT 1 FROM ${keyed.from} p WHERE p.workspace_id = ? AND p.contact_id = ${idExpr}` +
      `${keyed.where.sql}) IS ${keyed.member ? 'NOT NULL' : 'NULL'}`,
    bindings: [context.workspaceId, ...keyed.where.bindings],
  }
}

/**
 * The set form of a definition, for counting: one query of distinct
 * contact ids (erased contacts left out), or null when the definition has
 * no such form (then the count runs over the WHERE clause).
 *
 * - An AND group needs at least one custom field or tag condition a
 *   contact matches by having a row: the most selective of them drives
 *   (`SELECT d.contact_id FROM <its table> d WHERE …`, an index range of
 *   one row per contact). The other keyed conditions are joined on their
 *   unique keys, most selective first (`CROSS JOIN … kN ON kN.contact_id =
 *   d.contact_id AND …`, or `LEFT JOIN … WHERE kN.contact_id IS NULL` for
 *   one a member must not have): one row at most each, so no duplicates.
 *   Everything else (standard fields, engagement, consent, events,
 *   conversations, nested groups, segments) is checked on the contact's
 *   row, joined last, with the WHERE form of those conditions.
 *   A join is cheaper per id than a correlated `(SELECT 1 …) IS NOT NULL`
 *   probe (one subquery execution each): 20-25 % on the bench's counts.
 * - An OR group is the UNION of its conditions' sets (each must have one).
 * - A negated group, an empty group or a condition that cannot drive has
 *   no set form.
 * Erased contacts are excluded with one uncorrelated NOT IN (served by the
 * (workspace_id, erased_at) index), unless the contact's row is probed
 * anyway.
 */
function compileSet(
  node: ParsedNode,
  lookups: Lookups,
  context: CompileContext
): Fragment[] | null {
  if (node.type !== 'group') {
    return compileSet(
      { type: 'group', match: 'all', negate: false, conditions: [node], path: node.path },
      lookups,
      context
    )
  }
  if (node.negate || !node.conditions.length) return null
  if (node.match === 'any' && node.conditions.length > 1) {
    const arms: Fragment[] = []
    for (const child of node.conditions) {
      const childArms = compileSet(child, lookups, context)
      if (!childArms) return null
      arms.push(...childArms)
    }
    return arms
  }
  // AND (or a single condition): pick the driver.
  let driver: { condition: ParsedCondition; keyed: Keyed } | null = null
  for (const child of node.conditions) {
    if (child.type === 'group') continue
    const keyed = keyedOf(child, lookups, context, 'd')
    if (keyed?.member && (!driver || keyed.rank < driver.keyed.rank)) {
      driver = { condition: child, keyed }
    }
  }
  if (!driver) {
    // A lone nested group (e.g. the root holding one OR group) is its own set.
    if (node.conditions.length === 1 && node.conditions[0].type === 'group') {
      return compileSet(node.conditions[0], lookups, context)
    }
    return null
  }
  const ws = context.workspaceId
  // The other keyed conditions, most selective first: joined on their
  // unique keys (a member has the row: JOIN; has none: LEFT JOIN … IS NULL).
  const probes: { keyed: Keyed; alias: string }[] = []
  const onContact: Fragment[] = []
  for (const child of node.conditions) {
    if (child === driver.condition) continue
    const alias = `k${probes.length + 1}`
    const keyed = child.type === 'group' ? null : keyedOf(child, lookups, context, alias)
    if (keyed) probes.push({ keyed, alias })
    else
      onContact.push(
        child.type === 'group'
          ? compileGroup(child, lookups, context, false)
          : compileCondition(child, lookups, context, false)
      )
  }
  probes.sort((a, b) => a.keyed.rank - b.keyed.rank)
  const joins: Fragment[] = probes.map(({ keyed, alias }) => ({
    sql:
      ` ${keyed.member ? 'CROSS JOIN' : 'LEFT JOIN'} ${keyed.from} ${alias}` +
      ` ON ${alias}.workspace_id = d.workspace_id AND ${alias}.contact_id = d.contact_id${keyed.where.sql}`,
    bindings: keyed.where.bindings,
  }))
  const where: Fragment[] = [
    {
      sql: `d.workspace_id = ?${driver.keyed.where.sql}`,
      bindings: [ws, ...driver.keyed.where.bindings],
    },
    ...probes
      .filter(({ keyed }) => !keyed.member)
      .map(({ alias }) => ({ sql: `${alias}.contact_id IS NULL`, bindings: [] })),
  ]
  if (onContact.length) {
    // The contact's own row, last: it is read only for ids every keyed condition kept.
    joins.push({
      sql: ' CROSS JOIN contacts ON contacts.workspace_id = d.workspace_id AND contacts.id = d.contact_id',
      bindings: [],
    })
    where.push({ sql: 'contacts.erased_at IS NULL', bindings: [] })
    where.push(...onContact.map((part) => ({ sql: `(${part.sql})`, bindings: part.bindings })))
  } else {
    where.push({
      sql: 'd.contact_id NOT IN (SELECT id FROM contacts WHERE workspace_id = ? AND erased_at IS NOT NULL)',
      bindings: [ws],
    })
  }
  // Join in the order written, driver first. MySQL/MariaDB read
  // `/*! STRAIGHT_JOIN */` (a comment to SQLite); SQLite keeps the order of
  // a CROSS JOIN (an inner join to MySQL). Without it MariaDB's estimates
  // can drive from a probe's range (480,000 rows instead of 250,000 on the
  // bench's "platinum AND signed up after …": 3-4x slower).
  return [
    {
      sql:
        `SELECT /*! STRAIGHT_JOIN */ d.contact_id FROM ${driver.keyed.from} d` +
        joins.map((join) => join.sql).join('') +
        ` WHERE ${where.map((part) => part.sql).join(' AND ')}`,
      bindings: [
        ...joins.flatMap((join) => join.bindings),
        ...where.flatMap((part) => part.bindings),
      ],
    },
  ]
}

/**
 * Consent from the registry: the latest event per contact for the scope
 * (no later event; ties broken by id), channel whatsapp. `none`: no event;
 * `allowed`: marketing needs an opt-in, utility is allowed unless the
 * latest event is an opt-out.
 */
function consentPredicate(scope: string, state: string, ws: number): Fragment {
  const latest = (event: 'opt_in' | 'opt_out'): Fragment => ({
    sql:
      'SELECT c.contact_id FROM consent_events c' +
      " WHERE c.workspace_id = ? AND c.channel = 'whatsapp' AND c.scope = ? AND c.event = ?" +
      ' AND NOT EXISTS (SELECT 1 FROM consent_events n' +
      ' WHERE n.workspace_id = c.workspace_id AND n.contact_id = c.contact_id' +
      ' AND n.channel = c.channel AND n.scope = c.scope' +
      ' AND (n.occurred_at > c.occurred_at OR (n.occurred_at = c.occurred_at AND n.id > c.id)))',
    bindings: [ws, scope, event],
  })
  const within = (inSet: 'IN' | 'NOT IN', sub: Fragment): Fragment => ({
    sql: `contacts.id ${inSet} (${sub.sql})`,
    bindings: sub.bindings,
  })
  switch (state) {
    case 'opted_in':
      return within('IN', latest('opt_in'))
    case 'opted_out':
      return within('IN', latest('opt_out'))
    case 'none':
      return within('NOT IN', {
        sql: "SELECT contact_id FROM consent_events WHERE workspace_id = ? AND channel = 'whatsapp' AND scope = ?",
        bindings: [ws, scope],
      })
    default:
      return scope === 'marketing'
        ? within('IN', latest('opt_in'))
        : within('NOT IN', latest('opt_out'))
  }
}

/* ------------------------------------------------------------------ */
/* Helpers for callers: count, sample, keyset pages of ids.            */
/* ------------------------------------------------------------------ */

function contactsQuery(options: SegmentOptions) {
  // Explicitly scoped: the engine's subqueries scope themselves.
  return (options.client ?? db)
    .from('contacts')
    .where('contacts.workspace_id', tenancy.workspaceId())
}

/**
 * How many contacts of the current workspace match: COUNT(*) over the set
 * form when the definition has one (see `compileSet`), else over the
 * WHERE clause.
 */
export async function countSegment(definition: unknown, options: SegmentOptions = {}) {
  const context = contextOf(options)
  const prepared = await prepareDefinition(definition, context, options.self ? [options.self] : [])
  if (!prepared.tree) throw new InvalidSegmentException(prepared.errors)
  const arms = compileSet(prepared.tree, prepared.lookups, context)
  const client = options.client ?? db
  let rows: { total: number | string }[]
  if (arms) {
    // UNION (not ALL): a contact in two arms counts once. One arm is
    // already distinct (one driver row per contact).
    const sql = arms.map((arm) => arm.sql).join(' UNION ')
    const result = await client.rawQuery(
      `SELECT COUNT(*) AS total FROM (${sql}) segment_members`,
      arms.flatMap((arm) => arm.bindings) as unknown as RawQueryBindings
    )
    rows = rawRows(result)
  } else {
    const where = withErased(compileGroup(prepared.tree, prepared.lookups, context, true))
    const query = contactsQuery(options).count('* as total')
    applyWhere(query, where)
    rows = await query
  }
  return Number(rows[0]?.total ?? 0)
}

/** Rows of a raw SELECT: mysql2 answers [rows, fields], sqlite3 the rows. */
function rawRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && Array.isArray(result[0])) return result[0] as T[]
  return result as T[]
}

export type SegmentMember = { id: string; name: string; phone: string | null }

/** A few matching contacts (newest first), for the builder and the segment list. */
export async function sampleSegment(
  definition: unknown,
  limit = 10,
  options: SegmentOptions = {}
): Promise<SegmentMember[]> {
  const filter = await segmentFilter(definition, options)
  const query = contactsQuery(options)
    .select('contacts.public_id', 'contacts.name', 'contacts.profile_name', 'contacts.phone')
    .orderBy('contacts.id', 'desc')
    .limit(limit)
  filter(query)
  const rows: Record<string, string | null>[] = await query
  return rows.map((row) => ({
    id: String(row.public_id),
    name: row.name ?? row.profile_name ?? row.phone ?? '',
    phone: row.phone ?? null,
  }))
}

/**
 * Every matching contact id, in ascending pages of `size` (keyset on
 * contacts.id; the definition is compiled once). For bulk actions,
 * campaigns and exports.
 */
export async function* segmentIdChunks(
  definition: unknown,
  size: number,
  options: SegmentOptions = {}
): AsyncGenerator<number[]> {
  const filter = await segmentFilter(definition, options)
  let afterId = 0
  while (true) {
    const query = contactsQuery(options)
      .select('contacts.id')
      .where('contacts.id', '>', afterId)
      .orderBy('contacts.id', 'asc')
      .limit(size)
    filter(query)
    const rows: { id: number }[] = await query
    if (!rows.length) return
    const ids = rows.map((row) => Number(row.id))
    yield ids
    if (ids.length < size) return
    afterId = ids[ids.length - 1]
  }
}
