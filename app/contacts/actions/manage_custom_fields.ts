import db from '@adonisjs/lucid/services/db'
import CustomField, { type CustomFieldType } from '#contacts/models/custom_field'
import { MAX_CUSTOM_FIELDS } from '#contacts/services/custom_fields'
import { ENGAGEMENT_METRICS, STANDARD_FIELDS } from '#contacts/segments/types'
import { contactFieldError } from '#contacts/validators/contact'
import { isUniqueViolation } from '#core/helpers/db_errors'
import { tenancy } from '#core/tenancy/context'
import { audit } from '#core/services/audit'

/**
 * Keys a custom field may not take: the standard contact fields, the
 * engagement counters and the other names imports, segments and
 * `{{contact.<key>}}` already give a meaning to.
 */
export const RESERVED_FIELD_KEYS = new Set<string>([
  ...Object.keys(STANDARD_FIELDS),
  ...Object.keys(ENGAGEMENT_METRICS),
  'id',
  'public_id',
  'wa_id',
  'bsuid',
  'lid',
  'profile_name',
  'display_name',
  'tags',
  'tag',
  'consent',
  'notes',
  'updated_at',
  'erased_at',
  'workspace_id',
])

export type CustomFieldInput = {
  label: string
  type: CustomFieldType
  options?: string[]
  required?: boolean
}

/** Dropdown choices: trimmed, no duplicates (whatever the case), at least one. */
function cleanOptions(type: CustomFieldType, options: string[] | undefined): string[] {
  if (type !== 'dropdown') return []
  const seen = new Set<string>()
  const clean: string[] = []
  for (const option of options ?? []) {
    const value = option.trim()
    if (!value) continue
    if (seen.has(value.toLowerCase())) {
      contactFieldError('options', 'fields.errors.option_duplicate', { option: value })
    }
    seen.add(value.toLowerCase())
    clean.push(value)
  }
  if (!clean.length) contactFieldError('options', 'fields.errors.options_required')
  return clean
}

/** Explicitly scoped: how many contacts have a value for this field. */
async function valueCount(field: CustomField): Promise<number> {
  const [row] = await db
    .from('contact_field_values')
    .where('workspace_id', tenancy.workspaceId())
    .where('field_id', field.id)
    .count('* as total')
  return Number(row.total)
}

export async function createCustomField(input: CustomFieldInput & { key: string }) {
  const key = input.key.trim()
  if (RESERVED_FIELD_KEYS.has(key)) contactFieldError('key', 'fields.errors.key_reserved', { key })
  const [{ total }] = (await CustomField.query().count('* as total')).map((row) => ({
    total: Number(row.$extras.total),
  }))
  if (total >= MAX_CUSTOM_FIELDS) {
    contactFieldError('key', 'fields.errors.too_many', { max: MAX_CUSTOM_FIELDS })
  }
  if (await CustomField.findBy('key', key)) {
    contactFieldError('key', 'fields.errors.key_taken', { key })
  }
  const options = cleanOptions(input.type, input.options)
  const last = await CustomField.query().max('position as top').first()
  try {
    const field = await CustomField.create({
      key,
      label: input.label.trim(),
      type: input.type,
      options,
      required: Boolean(input.required),
      position: Number(last?.$extras.top ?? -1) + 1,
    })
    await audit({
      action: 'contacts.field_created',
      workspaceId: tenancy.workspaceId(),
      target: { type: 'custom_field', id: field.publicId },
      after: { key, type: field.type, required: field.required },
    })
    return field
  } catch (error) {
    if (isUniqueViolation(error)) contactFieldError('key', 'fields.errors.key_taken', { key })
    throw error
  }
}

/**
 * Label, required flag and options can change at any time; the type only
 * while no contact has a value (stored values live in the column of the
 * old type); the key never. A dropdown option still in use cannot be
 * removed.
 */
export async function updateCustomField(
  field: CustomField,
  input: CustomFieldInput & { key?: string }
) {
  if (input.key !== undefined && input.key !== field.key) {
    contactFieldError('key', 'fields.errors.key_immutable')
  }
  if (input.type !== field.type) {
    const count = await valueCount(field)
    if (count > 0) contactFieldError('type', 'fields.errors.type_locked', { count })
  }
  const options = cleanOptions(input.type, input.options)
  if (field.type === 'dropdown' && input.type === 'dropdown') {
    const kept = new Set(options.map((option) => option.toLowerCase()))
    const removed = field.options.filter((option) => !kept.has(option.toLowerCase()))
    if (removed.length) {
      // Explicitly scoped: values of this field that use a removed option.
      const used = await db
        .from('contact_field_values')
        .where('workspace_id', tenancy.workspaceId())
        .where('field_id', field.id)
        .whereIn('value_text', removed)
        .distinct('value_text')
        .limit(5)
      if (used.length) {
        contactFieldError('options', 'fields.errors.option_in_use', {
          options: used.map((row) => row.value_text).join(', '),
        })
      }
    }
  }
  const before = { label: field.label, type: field.type, options: field.options }
  field.merge({
    label: input.label.trim(),
    type: input.type,
    options,
    required: Boolean(input.required),
  })
  await field.save()
  await audit({
    action: 'contacts.field_updated',
    workspaceId: tenancy.workspaceId(),
    target: { type: 'custom_field', id: field.publicId },
    before,
    after: { label: field.label, type: field.type, options: field.options },
  })
  return field
}

/** Deletes the field and every stored value of it. */
export async function deleteCustomField(field: CustomField) {
  const workspaceId = tenancy.workspaceId()
  const values = await valueCount(field)
  await db.transaction(async (trx) => {
    // Explicitly scoped.
    await trx
      .from('contact_field_values')
      .where('workspace_id', workspaceId)
      .where('field_id', field.id)
      .delete()
    field.useTransaction(trx)
    await field.delete()
  })
  await audit({
    action: 'contacts.field_deleted',
    workspaceId,
    target: { type: 'custom_field', id: field.publicId },
    before: { key: field.key, type: field.type, values },
  })
}

/** New display order: the given public ids first, in that order, then the rest. */
export async function reorderCustomFields(publicIds: string[]) {
  const fields = await CustomField.query().orderBy('position').orderBy('id')
  const byPublic = new Map(fields.map((field) => [field.publicId, field]))
  const ordered = [
    ...publicIds.map((id) => byPublic.get(id)).filter((field) => field !== undefined),
    ...fields.filter((field) => !publicIds.includes(field.publicId)),
  ]
  await db.transaction(async (trx) => {
    for (const [position, field] of [...new Set(ordered)].entries()) {
      if (field.position === position) continue
      field.useTransaction(trx)
      field.position = position
      await field.save()
    }
  })
}
