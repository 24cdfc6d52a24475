import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import CustomField, { type CustomFieldType } from '#contacts/models/custom_field'
import { tenancy } from '#core/tenancy/context'

/**
 * Custom field values: one validation for every way a value arrives (the
 * panel, the API, an import row, a flow), and one typed storage.
 *
 * A value is stored in the column of its field's type in
 * `contact_field_values` (text and dropdown → `value_text`, number →
 * `value_number`, date → `value_date` as YYYY-MM-DD, checkbox →
 * `value_bool`); an empty value removes the row.
 */

export const MAX_CUSTOM_FIELDS = 100
export const MAX_TEXT_LENGTH = 255

export type FieldValueColumn = 'value_text' | 'value_number' | 'value_date' | 'value_bool'
export type FieldValue = string | number | boolean | null

export type CoercedValue = { ok: true; value: FieldValue } | { ok: false; reason: string }

export const COLUMN_OF: Record<CustomFieldType, FieldValueColumn> = {
  text: 'value_text',
  dropdown: 'value_text',
  number: 'value_number',
  date: 'value_date',
  checkbox: 'value_bool',
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 'x', 'checked'])
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', '', 'unchecked'])

type FieldShape = Pick<CustomField, 'key' | 'label' | 'type' | 'options' | 'required'>

/**
 * Checks and normalises one raw value for `field`. Strings are trimmed;
 * `''`, `null` and `undefined` are "empty" (refused when the field is
 * required). Reasons are short English sentences shown as they are in
 * forms, the API's error body and the import error report.
 */
export function coerceFieldValue(field: FieldShape, raw: unknown): CoercedValue {
  const text = typeof raw === 'string' ? raw.trim() : raw
  const empty = text === undefined || text === null || text === ''
  if (empty) {
    return field.required
      ? { ok: false, reason: `${field.label} is required` }
      : { ok: true, value: null }
  }
  switch (field.type) {
    case 'text': {
      const value = String(text)
      if (value.length > MAX_TEXT_LENGTH) {
        return { ok: false, reason: `${field.label} is longer than ${MAX_TEXT_LENGTH} characters` }
      }
      return { ok: true, value }
    }
    case 'number': {
      const value =
        typeof text === 'number'
          ? text
          : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(String(text).replace(/[\s_]/g, ''))
            ? Number(String(text).replace(/[\s_]/g, ''))
            : Number.NaN
      if (!Number.isFinite(value)) return { ok: false, reason: `${field.label} must be a number` }
      return { ok: true, value }
    }
    case 'date': {
      if (text instanceof Date) {
        if (Number.isNaN(text.getTime()))
          return { ok: false, reason: `${field.label} is not a valid date` }
        return { ok: true, value: text.toISOString().slice(0, 10) }
      }
      const value = String(text)
      const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value)
        ? DateTime.fromISO(value, { zone: 'utc' })
        : null
      if (!parsed?.isValid) {
        return { ok: false, reason: `${field.label} must be a date written YYYY-MM-DD` }
      }
      return { ok: true, value }
    }
    case 'dropdown': {
      const value = String(text)
      const option = field.options.find((choice) => choice.toLowerCase() === value.toLowerCase())
      if (option === undefined) {
        return { ok: false, reason: `${field.label} must be one of: ${field.options.join(', ')}` }
      }
      return { ok: true, value: option }
    }
    case 'checkbox': {
      if (typeof text === 'boolean') return { ok: true, value: text }
      const word = String(text).toLowerCase()
      if (TRUE_WORDS.has(word)) return { ok: true, value: true }
      if (FALSE_WORDS.has(word)) return { ok: true, value: false }
      return { ok: false, reason: `${field.label} must be yes or no` }
    }
  }
}

/** The custom fields of the current workspace, in display order. */
export function workspaceFields(client?: TransactionClientContract) {
  return CustomField.query({ client }).orderBy('position', 'asc').orderBy('id', 'asc')
}

/** Reads a stored row back into the value the API and the panel show. */
function readFieldValue(
  type: CustomFieldType,
  row: { value_text?: unknown; value_number?: unknown; value_date?: unknown; value_bool?: unknown }
): FieldValue {
  switch (type) {
    case 'text':
    case 'dropdown':
      return (row.value_text as string | null) ?? null
    case 'number':
      return row.value_number === null || row.value_number === undefined
        ? null
        : Number(row.value_number)
    case 'date': {
      const value = row.value_date
      if (value === null || value === undefined) return null
      // mysql2 hands DATE back as a Date at UTC midnight (timezone 'Z').
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10)
    }
    case 'checkbox':
      return row.value_bool === null || row.value_bool === undefined
        ? null
        : Boolean(row.value_bool)
  }
}

export type FieldWrite = {
  contactId: number
  field: Pick<CustomField, 'id' | 'type'>
  value: FieldValue
}

/**
 * Stores already-coerced values (upsert per contact and field; an empty
 * value deletes the row). Many rows in one statement per 200 values.
 */
export async function writeFieldValues(writes: FieldWrite[], client?: TransactionClientContract) {
  const workspaceId = tenancy.workspaceId()
  const runner = client ?? db
  const now = new Date()
  const upserts = writes.filter((write) => write.value !== null)
  const removals = writes.filter((write) => write.value === null)
  for (let start = 0; start < upserts.length; start += 200) {
    const rows = upserts.slice(start, start + 200).map((write) => ({
      workspace_id: workspaceId,
      contact_id: write.contactId,
      field_id: write.field.id,
      value_text: COLUMN_OF[write.field.type] === 'value_text' ? write.value : null,
      value_number: COLUMN_OF[write.field.type] === 'value_number' ? write.value : null,
      value_date: COLUMN_OF[write.field.type] === 'value_date' ? write.value : null,
      value_bool: COLUMN_OF[write.field.type] === 'value_bool' ? write.value : null,
      updated_at: now,
    }))
    await runner
      .insertQuery()
      .table('contact_field_values')
      .insert(rows)
      .knexQuery.onConflict(['workspace_id', 'contact_id', 'field_id'])
      .merge(['value_text', 'value_number', 'value_date', 'value_bool', 'updated_at'])
  }
  // Cleared values: one DELETE per field and 500 contacts, not one per value.
  const clearedByField = new Map<number, number[]>()
  for (const write of removals) {
    const ids = clearedByField.get(write.field.id) ?? []
    ids.push(write.contactId)
    clearedByField.set(write.field.id, ids)
  }
  for (const [fieldId, contactIds] of clearedByField) {
    for (let start = 0; start < contactIds.length; start += 500) {
      // Explicitly scoped raw delete.
      await runner
        .from('contact_field_values')
        .where('workspace_id', workspaceId)
        .where('field_id', fieldId)
        .whereIn('contact_id', contactIds.slice(start, start + 500))
        .delete()
    }
  }
}

/**
 * The custom field values of some contacts, keyed by contact id then by
 * field key. For lists, detail pages, exports and personalization.
 */
export async function fieldValuesOf(
  contactIds: number[],
  fields: Pick<CustomField, 'id' | 'key' | 'type'>[],
  client?: TransactionClientContract
): Promise<Map<number, Record<string, FieldValue>>> {
  const workspaceId = tenancy.workspaceId()
  const byId = new Map(fields.map((field) => [Number(field.id), field]))
  const result = new Map<number, Record<string, FieldValue>>()
  if (!contactIds.length || !fields.length) return result
  for (let start = 0; start < contactIds.length; start += 500) {
    // Explicitly scoped raw read.
    const rows = await (client ?? db)
      .from('contact_field_values')
      .select('contact_id', 'field_id', 'value_text', 'value_number', 'value_date', 'value_bool')
      .where('workspace_id', workspaceId)
      .whereIn('contact_id', contactIds.slice(start, start + 500))
      .whereIn('field_id', [...byId.keys()])
    for (const row of rows) {
      const field = byId.get(Number(row.field_id))
      if (!field) continue
      const values = result.get(Number(row.contact_id)) ?? {}
      values[field.key] = readFieldValue(field.type, row)
      result.set(Number(row.contact_id), values)
    }
  }
  return result
}
