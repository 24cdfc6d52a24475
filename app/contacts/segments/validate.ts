import { coerceFieldValue, type FieldValue } from '#contacts/services/custom_fields'
import type { CustomFieldType } from '#contacts/models/custom_field'
import type { SegmentError } from '#contacts/segments/exceptions'
import {
  ENGAGEMENT_METRICS,
  MAX_CONDITIONS,
  MAX_DEPTH,
  STANDARD_FIELDS,
  type ConditionValue,
} from '#contacts/segments/types'
import {
  CONSENT_SCOPES,
  CONSENT_STATES,
  CONVERSATION_STATUSES,
  MAX_DAYS,
  MAX_LIST_VALUES,
  OPERATORS,
  VALUELESS_OPS,
  type ValueKind,
} from '#contacts/segments/operators'

/**
 * Structural validation of a segment definition (no database): shape,
 * operators, values of standard fields and engagement metrics. Custom
 * field values, tags and segment references are checked by `compile.ts`
 * once it has looked them up. Every error carries the path of the faulty
 * part, e.g. `conditions[1].conditions[0].value`.
 */

export type ParsedGroup = {
  type: 'group'
  match: 'all' | 'any'
  negate: boolean
  conditions: ParsedNode[]
  path: string
}

export type ParsedCondition = { negate: boolean; path: string } & (
  | { type: 'field'; field: string; kind: ValueKind; op: string; value: NormalValue }
  | { type: 'custom_field'; key: string; op: string; value: unknown }
  | { type: 'tag'; op: 'has' | 'has_not'; tag: string }
  | { type: 'consent'; scope: 'marketing' | 'utility'; state: (typeof CONSENT_STATES)[number] }
  | { type: 'engagement'; metric: string; kind: ValueKind; op: string; value: NormalValue }
  | { type: 'conversation'; op: 'has' | 'has_not'; status: string[] }
  | { type: 'event'; name: string; op: 'occurred' | 'not_occurred'; withinDays: number | null }
  | { type: 'segment'; segment: string }
)

export type ParsedNode = ParsedGroup | ParsedCondition

/** A value after checking: a scalar, a list (`in`), a pair (`between`) or nothing. */
export type NormalValue = FieldValue | FieldValue[] | null

type Errors = SegmentError[]

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const join = (path: string, key: string) => (path ? `${path}.${key}` : key)

/**
 * Parses `raw` into a checked tree. Returns the errors found (empty when
 * the structure is valid).
 */
export function parseDefinition(raw: unknown): { tree: ParsedGroup | null; errors: Errors } {
  const errors: Errors = []
  const counter = { conditions: 0 }
  const tree = parseGroup(raw, '', 1, errors, counter)
  if (counter.conditions > MAX_CONDITIONS) {
    errors.push({
      path: 'conditions',
      message: `A segment can have at most ${MAX_CONDITIONS} conditions`,
    })
  }
  return { tree: errors.length ? null : tree, errors }
}

function parseGroup(
  raw: unknown,
  path: string,
  depth: number,
  errors: Errors,
  counter: { conditions: number }
): ParsedGroup | null {
  if (!isObject(raw) || raw.type !== 'group') {
    errors.push({ path, message: 'Expected a group ({ type: "group", match, conditions })' })
    return null
  }
  if (depth > MAX_DEPTH) {
    errors.push({ path, message: `Groups can be nested at most ${MAX_DEPTH} levels deep` })
    return null
  }
  if (raw.match !== 'all' && raw.match !== 'any') {
    errors.push({ path: join(path, 'match'), message: 'Match must be "all" or "any"' })
  }
  const negate = parseNegate(raw, path, errors)
  if (!Array.isArray(raw.conditions)) {
    errors.push({ path: join(path, 'conditions'), message: 'Conditions must be a list' })
    return null
  }
  const conditions: ParsedNode[] = []
  raw.conditions.forEach((child: unknown, index: number) => {
    const childPath = join(path, `conditions[${index}]`)
    const node =
      isObject(child) && child.type === 'group'
        ? parseGroup(child, childPath, depth + 1, errors, counter)
        : parseCondition(child, childPath, errors, counter)
    if (node) conditions.push(node)
  })
  return { type: 'group', match: raw.match === 'any' ? 'any' : 'all', negate, conditions, path }
}

function parseNegate(raw: Record<string, unknown>, path: string, errors: Errors) {
  if (raw.negate === undefined || raw.negate === null) return false
  if (typeof raw.negate !== 'boolean') {
    errors.push({ path: join(path, 'negate'), message: 'Negate must be true or false' })
    return false
  }
  return raw.negate
}

function requireString(
  raw: Record<string, unknown>,
  key: string,
  path: string,
  errors: Errors,
  max = 255
): string | null {
  const value = typeof raw[key] === 'string' ? (raw[key] as string).trim() : ''
  if (!value) {
    errors.push({ path: join(path, key), message: `${capitalize(key)} is required` })
    return null
  }
  if (value.length > max) {
    errors.push({ path: join(path, key), message: `${capitalize(key)} is too long` })
    return null
  }
  return value
}

function capitalize(word: string) {
  return word.charAt(0).toUpperCase() + word.slice(1)
}

function requireOneOf<T extends string>(
  raw: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  path: string,
  errors: Errors
): T | null {
  const value = raw[key]
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    errors.push({
      path: join(path, key),
      message: `${capitalize(key)} must be one of: ${allowed.join(', ')}`,
    })
    return null
  }
  return value as T
}

function parseCondition(
  raw: unknown,
  path: string,
  errors: Errors,
  counter: { conditions: number }
): ParsedCondition | null {
  counter.conditions++
  if (!isObject(raw)) {
    errors.push({ path, message: 'Expected a condition or a group' })
    return null
  }
  const negate = parseNegate(raw, path, errors)
  const before = errors.length
  const base = { negate, path }
  switch (raw.type) {
    case 'field': {
      const field = requireOneOf(
        raw,
        'field',
        Object.keys(STANDARD_FIELDS) as (keyof typeof STANDARD_FIELDS)[],
        path,
        errors
      )
      if (!field) return null
      const kind: ValueKind = STANDARD_FIELDS[field] === 'datetime' ? 'datetime' : 'text'
      const op = requireOneOf(raw, 'op', OPERATORS[kind], path, errors)
      if (!op) return null
      const value = checkValue(
        { kind, label: 'Value', options: [] },
        op,
        raw.value,
        join(path, 'value'),
        errors
      )
      return errors.length > before ? null : { ...base, type: 'field', field, kind, op, value }
    }
    case 'custom_field': {
      const key = requireString(raw, 'key', path, errors, 48)
      const op = typeof raw.op === 'string' ? raw.op : null
      if (!op) errors.push({ path: join(path, 'op'), message: 'Op is required' })
      if (!key || !op) return null
      return { ...base, type: 'custom_field', key, op, value: raw.value }
    }
    case 'tag': {
      const op = requireOneOf(raw, 'op', ['has', 'has_not'] as const, path, errors)
      const tag = requireString(raw, 'tag', path, errors, 80)
      return op && tag ? { ...base, type: 'tag', op, tag } : null
    }
    case 'consent': {
      const scope = requireOneOf(raw, 'scope', CONSENT_SCOPES, path, errors)
      const state = requireOneOf(raw, 'state', CONSENT_STATES, path, errors)
      return scope && state ? { ...base, type: 'consent', scope, state } : null
    }
    case 'engagement': {
      const metric = requireOneOf(
        raw,
        'metric',
        Object.keys(ENGAGEMENT_METRICS) as (keyof typeof ENGAGEMENT_METRICS)[],
        path,
        errors
      )
      if (!metric) return null
      const kind: ValueKind = ENGAGEMENT_METRICS[metric] === 'datetime' ? 'datetime' : 'count'
      const op = requireOneOf(raw, 'op', OPERATORS[kind], path, errors)
      if (!op) return null
      const value = checkValue(
        { kind, label: 'Value', options: [] },
        op,
        raw.value,
        join(path, 'value'),
        errors
      )
      return errors.length > before
        ? null
        : { ...base, type: 'engagement', metric, kind, op, value }
    }
    case 'conversation': {
      const op = requireOneOf(raw, 'op', ['has', 'has_not'] as const, path, errors)
      const status = raw.status ?? []
      if (
        !Array.isArray(status) ||
        status.some((item) => !CONVERSATION_STATUSES.includes(item as never))
      ) {
        errors.push({
          path: join(path, 'status'),
          message: `Status must be a list of: ${CONVERSATION_STATUSES.join(', ')}`,
        })
        return null
      }
      return op ? { ...base, type: 'conversation', op, status: [...new Set(status)] } : null
    }
    case 'event': {
      const name = requireString(raw, 'name', path, errors, 64)
      const op = requireOneOf(raw, 'op', ['occurred', 'not_occurred'] as const, path, errors)
      let withinDays: number | null = null
      if (raw.withinDays !== undefined && raw.withinDays !== null && raw.withinDays !== '') {
        withinDays = checkDays(raw.withinDays, join(path, 'withinDays'), errors)
      }
      return errors.length > before || !name || !op
        ? null
        : { ...base, type: 'event', name, op, withinDays }
    }
    case 'segment': {
      const segment = requireString(raw, 'segment', path, errors, 26)
      return segment ? { ...base, type: 'segment', segment } : null
    }
    default:
      errors.push({
        path: join(path, 'type'),
        message:
          'Type must be one of: field, custom_field, tag, consent, engagement, conversation, event, segment, group',
      })
      return null
  }
}

function checkDays(raw: unknown, path: string, errors: Errors): number | null {
  const days = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    errors.push({ path, message: `Days must be a whole number from 1 to ${MAX_DAYS}` })
    return null
  }
  return days
}

export type ValueTarget = {
  kind: ValueKind
  label: string
  options: string[]
}

const COERCE_TYPE: Record<ValueKind, CustomFieldType> = {
  text: 'text',
  dropdown: 'dropdown',
  number: 'number',
  count: 'number',
  date: 'date',
  datetime: 'date',
  checkbox: 'checkbox',
}

/**
 * Checks `raw` for operator `op` on a value of `target.kind` (with the one
 * custom-field coercion, so "12" is a number and "Gold" a dropdown option)
 * and returns the normal value. Pushes an error at `path` otherwise.
 */
export function checkValue(
  target: ValueTarget,
  op: string,
  raw: unknown,
  path: string,
  errors: Errors
): NormalValue {
  if (VALUELESS_OPS.has(op)) return null
  if (op === 'within_days' || op === 'older_than_days') return checkDays(raw, path, errors)
  const field = {
    key: 'value',
    label: target.label,
    type: COERCE_TYPE[target.kind],
    options: target.options,
    required: true,
  }
  const one = (value: unknown, at: string): FieldValue => {
    if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
      errors.push({ path: at, message: `${target.label} must be a single value` })
      return null
    }
    const coerced = coerceFieldValue(field, value)
    if (!coerced.ok) {
      errors.push({ path: at, message: coerced.reason })
      return null
    }
    return coerced.value
  }
  if (op === 'between') {
    if (!Array.isArray(raw) || raw.length !== 2) {
      errors.push({ path, message: 'Between needs two values: [from, to]' })
      return null
    }
    const from = one(raw[0], `${path}[0]`)
    const to = one(raw[1], `${path}[1]`)
    if (from === null || to === null) return null
    if ((from as number | string) > (to as number | string)) {
      errors.push({ path, message: 'The first value must not be after the second' })
      return null
    }
    return [from, to]
  }
  if (op === 'in') {
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_LIST_VALUES) {
      errors.push({ path, message: `Choose from 1 to ${MAX_LIST_VALUES} values` })
      return null
    }
    const values = raw.map((item, index) => one(item, `${path}[${index}]`))
    return values.some((value) => value === null) ? null : values
  }
  return one(raw as ConditionValue, path)
}
