/**
 * The segment builder's model: the definition JSON of
 * app/contacts/segments/types.ts, edited in place (reactive), plus the
 * catalog the server sends (fields, tags, segments, operators).
 */

export type Catalog = {
  standardFields: { key: string; type: string }[]
  engagementMetrics: { key: string; type: string }[]
  customFields: { key: string; label: string; type: string; options: string[] }[]
  tags: { id: string; name: string; color: string }[]
  segments: { id: string; name: string }[]
  operators: Record<string, string[]>
  conversationStatuses: string[]
  consentScopes: string[]
  consentStates: string[]
}

export type Condition = {
  type: string
  negate?: boolean
  [key: string]: unknown
}

export type Group = {
  type: 'group'
  match: 'all' | 'any'
  negate?: boolean
  conditions: (Group | Condition)[]
}

export type SegmentErrors = Record<string, string>

export const MAX_DEPTH = 4

export function emptyGroup(): Group {
  return { type: 'group', match: 'all', conditions: [] }
}

export function isGroup(node: Group | Condition): node is Group {
  return node.type === 'group'
}

/** Stable keys for v-for without putting them in the JSON. */
const keys = new WeakMap<object, number>()
let nextKey = 1
export function keyOf(node: object): number {
  if (!keys.has(node)) keys.set(node, nextKey++)
  return keys.get(node)!
}

/**
 * A condition's subject, as one picker value: `field:name`,
 * `custom:plan`, `engagement:messages_in`, `tag`, `consent`,
 * `conversation`, `event`, `segment`.
 */
export function subjectOf(condition: Condition): string {
  switch (condition.type) {
    case 'field':
      return `field:${condition.field}`
    case 'custom_field':
      return `custom:${condition.key}`
    case 'engagement':
      return `engagement:${condition.metric}`
    default:
      return condition.type
  }
}

/** The kind of value a subject takes (the operators list key). */
export function valueKindOf(condition: Condition, catalog: Catalog): string | null {
  if (condition.type === 'field') {
    const field = catalog.standardFields.find((item) => item.key === condition.field)
    return field?.type === 'datetime' ? 'datetime' : 'text'
  }
  if (condition.type === 'engagement') {
    const metric = catalog.engagementMetrics.find((item) => item.key === condition.metric)
    return metric?.type === 'datetime' ? 'datetime' : 'count'
  }
  if (condition.type === 'custom_field') {
    return catalog.customFields.find((item) => item.key === condition.key)?.type ?? null
  }
  return null
}

/** A fresh condition for a subject, with sensible defaults. */
export function conditionFor(subject: string, catalog: Catalog): Condition {
  const [type, name] = subject.split(':')
  if (type === 'field') {
    const condition: Condition = { type: 'field', field: name, op: 'eq', value: '' }
    return withDefaultOp(condition, catalog)
  }
  if (type === 'custom') {
    return withDefaultOp({ type: 'custom_field', key: name, op: 'eq', value: '' }, catalog)
  }
  if (type === 'engagement') {
    return withDefaultOp({ type: 'engagement', metric: name, op: 'gt', value: 0 }, catalog)
  }
  switch (type) {
    case 'tag':
      return { type: 'tag', op: 'has', tag: catalog.tags[0]?.name ?? '' }
    case 'consent':
      return { type: 'consent', scope: 'marketing', state: 'opted_in' }
    case 'conversation':
      return { type: 'conversation', op: 'has', status: ['open'] }
    case 'event':
      return { type: 'event', op: 'occurred', name: '', withinDays: 30 }
    default:
      return { type: 'segment', segment: catalog.segments[0]?.id ?? '' }
  }
}

function withDefaultOp(condition: Condition, catalog: Catalog): Condition {
  const kind = valueKindOf(condition, catalog)
  const ops = kind ? (catalog.operators[kind] ?? []) : []
  if (!ops.includes(String(condition.op))) condition.op = ops[0] ?? 'eq'
  condition.value = defaultValue(kind, String(condition.op))
  return condition
}

/** The value an operator starts with when picked. */
export function defaultValue(kind: string | null, op: string): unknown {
  if (op === 'is_set' || op === 'is_not_set') return undefined
  if (op === 'within_days' || op === 'older_than_days') return 30
  if (op === 'between') return kind === 'date' || kind === 'datetime' ? ['', ''] : [0, 10]
  if (op === 'in') return []
  if (kind === 'checkbox') return true
  if (kind === 'number' || kind === 'count') return 0
  return ''
}

/** The definition as sent to the server (a deep copy, no reactive proxies). */
export function toJson(group: Group): Group {
  return JSON.parse(JSON.stringify(group))
}

/** Errors at `path` or below it, for a condition row. */
export function errorsUnder(errors: SegmentErrors, path: string): string[] {
  return Object.entries(errors)
    .filter(([key]) => key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`))
    .map(([, message]) => message)
}

export function childPath(path: string, index: number) {
  return path ? `${path}.conditions[${index}]` : `conditions[${index}]`
}
