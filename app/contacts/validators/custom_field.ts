import vine from '@vinejs/vine'
import { CUSTOM_FIELD_TYPES } from '#contacts/models/custom_field'
import { MAX_TEXT_LENGTH } from '#contacts/services/custom_fields'

/** Lowercase letters, digits and underscores, starting with a letter. */
export const FIELD_KEY_PATTERN = /^[a-z][a-z0-9_]*$/

const fieldShape = {
  label: vine.string().trim().minLength(1).maxLength(80),
  type: vine.enum(CUSTOM_FIELD_TYPES),
  options: vine
    .array(vine.string().trim().minLength(1).maxLength(MAX_TEXT_LENGTH))
    .maxLength(200)
    .optional(),
  required: vine.boolean().optional(),
}

/** Settings → Custom fields: a new field. */
export const createCustomFieldValidator = vine.compile(
  vine.object({
    key: vine.string().trim().minLength(1).maxLength(48).regex(FIELD_KEY_PATTERN),
    ...fieldShape,
  })
)

/** Settings → Custom fields: edit (the key is immutable; a different one is refused). */
export const updateCustomFieldValidator = vine.compile(
  vine.object({
    key: vine.string().trim().optional(),
    ...fieldShape,
  })
)

/** Settings → Custom fields: the new order, as public ids. */
export const reorderCustomFieldsValidator = vine.compile(
  vine.object({
    ids: vine.array(vine.string().trim().maxLength(26)).minLength(1).maxLength(500),
  })
)
