/**
 * A segment definition: the JSON a segment stores, the builder edits and
 * the API accepts. One engine (`compile.ts`) turns it into a single SQL
 * query over `contacts` that runs on SQLite and MySQL/MariaDB; the same
 * definition is evaluated in memory by the property tests.
 *
 * A group matches `all` (AND) or `any` (OR) of its conditions; `negate`
 * on a group or a condition excludes what it matches (NOT). An empty
 * group matches every contact. Groups nest up to `MAX_DEPTH` levels.
 */

export const MAX_DEPTH = 4
export const MAX_CONDITIONS = 100

export type SegmentGroup = {
  type: 'group'
  match: 'all' | 'any'
  negate?: boolean
  conditions: SegmentNode[]
}

export type SegmentNode = SegmentGroup | SegmentCondition

/** Standard contact columns a condition can test. */
export const STANDARD_FIELDS = {
  name: 'text',
  phone: 'text',
  email: 'text',
  locale: 'text',
  timezone: 'text',
  country: 'text',
  source: 'text',
  created_at: 'datetime',
  last_seen_at: 'datetime',
} as const
export type StandardField = keyof typeof STANDARD_FIELDS

/** Engagement counters and times kept current on `contacts`. */
export const ENGAGEMENT_METRICS = {
  messages_in: 'count',
  messages_out: 'count',
  campaigns_received: 'count',
  campaigns_read: 'count',
  campaigns_replied: 'count',
  last_inbound_at: 'datetime',
  last_outbound_at: 'datetime',
} as const
export type EngagementMetric = keyof typeof ENGAGEMENT_METRICS

export type TextOperator =
  'eq' | 'neq' | 'contains' | 'not_contains' | 'starts_with' | 'in' | 'is_set' | 'is_not_set'
export type NumberOperator =
  'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'between' | 'is_set' | 'is_not_set'
/**
 * Dates: absolute (`before`/`after`/`on`/`between` with YYYY-MM-DD) or
 * relative to now (`within_days`: in the last N days, `older_than_days`:
 * more than N days ago).
 */
export type DateOperator =
  | 'before'
  | 'after'
  | 'on'
  | 'between'
  | 'within_days'
  | 'older_than_days'
  | 'is_set'
  | 'is_not_set'

export type ConditionValue =
  string | number | boolean | string[] | [number, number] | [string, string] | null

export type SegmentCondition = { negate?: boolean } & (
  | { type: 'field'; field: StandardField; op: TextOperator | DateOperator; value?: ConditionValue }
  /** A custom field by key; operators follow the field's type (checkbox: `eq` true/false, is_set). */
  | {
      type: 'custom_field'
      key: string
      op: TextOperator | NumberOperator | DateOperator
      value?: ConditionValue
    }
  /** Tag by name (case-insensitive) or public id. */
  | { type: 'tag'; op: 'has' | 'has_not'; tag: string }
  /** Derived consent status from the registry (latest event wins; none = no event). */
  | {
      type: 'consent'
      scope: 'marketing' | 'utility'
      state: 'opted_in' | 'opted_out' | 'none' | 'allowed'
    }
  | {
      type: 'engagement'
      metric: EngagementMetric
      op: NumberOperator | DateOperator
      value?: ConditionValue
    }
  /** Has (or has not) a conversation in one of these statuses. */
  | {
      type: 'conversation'
      op: 'has' | 'has_not'
      status: ('open' | 'pending' | 'snoozed' | 'resolved')[]
    }
  /** A custom event recorded through the API (`contact_events` kind `custom`). */
  | { type: 'event'; name: string; op: 'occurred' | 'not_occurred'; withinDays?: number }
  /** Members of a saved segment, by public id (cycles are refused). */
  | { type: 'segment'; segment: string }
)
