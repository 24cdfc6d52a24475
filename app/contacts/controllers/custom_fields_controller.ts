import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import CustomField, {
  CUSTOM_FIELD_TYPES,
  type CustomFieldType,
} from '#contacts/models/custom_field'
import { MAX_CUSTOM_FIELDS, workspaceFields } from '#contacts/services/custom_fields'
import {
  createCustomFieldValidator,
  reorderCustomFieldsValidator,
  updateCustomFieldValidator,
} from '#contacts/validators/custom_field'
import {
  createCustomField,
  deleteCustomField,
  reorderCustomFields,
  RESERVED_FIELD_KEYS,
  updateCustomField,
} from '#contacts/actions/manage_custom_fields'

export type CustomFieldRow = {
  id: string
  key: string
  label: string
  type: CustomFieldType
  options: string[]
  required: boolean
  position: number
}

export type CustomFieldsSettingsProps = {
  fields: (CustomFieldRow & { inUse: boolean })[]
  types: readonly CustomFieldType[]
  max: number
  reserved: string[]
}

export function customFieldRow(field: CustomField): CustomFieldRow {
  return {
    id: field.publicId,
    key: field.key,
    label: field.label,
    type: field.type,
    options: field.options ?? [],
    required: Boolean(field.required),
    position: field.position,
  }
}

/** Explicitly scoped: whether any contact has a value (index probe per field). */
async function inUse(workspaceId: number, fieldId: number) {
  const row = await db
    .from('contact_field_values')
    .where('workspace_id', workspaceId)
    .where('field_id', fieldId)
    .select('contact_id')
    .first()
  return Boolean(row)
}

/**
 * Settings → Custom fields (contacts.manage), and the field list for
 * pickers (contacts.view).
 */
export default class CustomFieldsController {
  async index({ inertia, bouncer, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const fields = await workspaceFields()
    const props: CustomFieldsSettingsProps = {
      fields: await Promise.all(
        fields.map(async (field) => ({
          ...customFieldRow(field),
          inUse: await inUse(workspace.id, field.id),
        }))
      ),
      types: CUSTOM_FIELD_TYPES,
      max: MAX_CUSTOM_FIELDS,
      reserved: [...RESERVED_FIELD_KEYS].sort(),
    }
    return inertia.render('settings/fields', props)
  }

  async store({ request, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const payload = await request.validateUsing(createCustomFieldValidator)
    const field = await createCustomField(payload)
    if (request.accepts(['html', 'json']) === 'json') {
      return response.created(customFieldRow(field))
    }
    session.flash('success', i18n.t('fields.created', { label: field.label }))
    return response.redirect().back()
  }

  async update({ params, request, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const field = await CustomField.findByOrFail('public_id', params.field)
    const payload = await request.validateUsing(updateCustomFieldValidator)
    await updateCustomField(field, payload)
    if (request.accepts(['html', 'json']) === 'json') return customFieldRow(field)
    session.flash('success', i18n.t('fields.updated', { label: field.label }))
    return response.redirect().back()
  }

  async destroy({ params, request, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const field = await CustomField.findByOrFail('public_id', params.field)
    await deleteCustomField(field)
    if (request.accepts(['html', 'json']) === 'json') return response.noContent()
    session.flash('success', i18n.t('fields.deleted', { label: field.label }))
    return response.redirect().back()
  }

  async reorder({ request, bouncer, response }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const { ids } = await request.validateUsing(reorderCustomFieldsValidator)
    await reorderCustomFields(ids)
    if (request.accepts(['html', 'json']) === 'json') return response.noContent()
    return response.redirect().back()
  }

  /** GET /w/:workspace/contacts/fields: every field, for pickers (segments, imports, columns). */
  async picker({ bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const fields = await workspaceFields()
    return fields.map(customFieldRow)
  }
}
