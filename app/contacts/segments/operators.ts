/**
 * Which operators each kind of value accepts. The engine validates with
 * these lists and the builder offers them (passed as page props).
 */
export const TEXT_OPS = [
  'eq',
  'neq',
  'contains',
  'not_contains',
  'starts_with',
  'in',
  'is_set',
  'is_not_set',
] as const
export const DROPDOWN_OPS = ['eq', 'neq', 'in', 'is_set', 'is_not_set'] as const
export const NUMBER_OPS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'is_set',
  'is_not_set',
] as const
/** Engagement counters are never empty (0 by default). */
export const COUNT_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between'] as const
export const DATE_OPS = [
  'before',
  'after',
  'on',
  'between',
  'within_days',
  'older_than_days',
  'is_set',
  'is_not_set',
] as const
export const CHECKBOX_OPS = ['eq', 'is_set', 'is_not_set'] as const

export type ValueKind = 'text' | 'dropdown' | 'number' | 'count' | 'date' | 'datetime' | 'checkbox'

export const OPERATORS: Record<ValueKind, readonly string[]> = {
  text: TEXT_OPS,
  dropdown: DROPDOWN_OPS,
  number: NUMBER_OPS,
  count: COUNT_OPS,
  date: DATE_OPS,
  datetime: DATE_OPS,
  checkbox: CHECKBOX_OPS,
}

/** Operators that take no value. */
export const VALUELESS_OPS = new Set(['is_set', 'is_not_set'])

export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const
export const CONSENT_STATES = ['opted_in', 'opted_out', 'none', 'allowed'] as const
export const CONSENT_SCOPES = ['marketing', 'utility'] as const

/** Upper bounds that keep one definition's SQL small. */
export const MAX_LIST_VALUES = 100
export const MAX_DAYS = 36500
/** How many saved segments may reference one another in a chain. */
export const MAX_REFERENCE_DEPTH = 5
