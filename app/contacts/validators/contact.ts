import vine from '@vinejs/vine'
import { HttpContext } from '@adonisjs/core/http'
import i18nManager from '@adonisjs/i18n/services/main'
import { errors } from '@vinejs/vine'
import { CONSENT_SCOPES } from '#contacts/models/consent_event'

/**
 * A validation error on one field raised from inside a contacts action
 * (phone taken, key in use, type locked…), its message from the
 * translations (`key` is a full key such as `contacts.errors.phone_taken`),
 * or a ready sentence when `key` is null (custom field reasons from
 * `coerceFieldValue`). Shown inline like any VineJS error (422 JSON).
 */
export function contactFieldError(
  field: string,
  key: string | null,
  params: Record<string, unknown> = {},
  message?: string
): never {
  throw new errors.E_VALIDATION_ERROR([
    { field, message: key ? translate(key, params) : (message ?? field), rule: 'contacts' },
  ])
}

/** Several inline errors at once (custom field values of one form). */
export function contactFieldErrors(list: { field: string; message: string }[]): never {
  throw new errors.E_VALIDATION_ERROR(list.map((item) => ({ ...item, rule: 'contacts' })))
}

export function translate(key: string, params: Record<string, unknown> = {}) {
  const i18n = HttpContext.get()?.i18n ?? i18nManager.locale(i18nManager.defaultLocale)
  return i18n.t(key, params)
}

const standardShape = {
  name: vine.string().trim().maxLength(160).nullable().optional(),
  email: vine.string().trim().email().maxLength(254).nullable().optional(),
  locale: vine
    .string()
    .trim()
    .maxLength(16)
    .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/)
    .nullable()
    .optional(),
  timezone: vine.string().trim().maxLength(64).nullable().optional(),
  country: vine
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/)
    .nullable()
    .optional(),
  /** Raw values by custom field key, checked by `coerceFieldValue`. */
  fields: vine.record(vine.any().nullable().optional()).optional(),
}

/** POST /contacts */
export const createContactValidator = vine.compile(
  vine.object({
    phone: vine.string().trim().minLength(1).maxLength(40),
    ...standardShape,
  })
)

/** PUT /contacts/:contact (every key optional: only given ones change). */
export const updateContactValidator = vine.compile(
  vine.object({
    phone: vine.string().trim().maxLength(40).nullable().optional(),
    ...standardShape,
  })
)

/** POST /contacts/:contact/tags */
export const contactTagValidator = vine.compile(
  vine.object({ tag: vine.string().trim().minLength(1).maxLength(64) })
)

/** POST /contacts/:contact/consent */
export const contactConsentValidator = vine.compile(
  vine.object({
    scope: vine.enum(CONSENT_SCOPES),
    event: vine.enum(['opt_in', 'opt_out'] as const),
    proof: vine.string().trim().maxLength(1000).optional(),
  })
)

/** Notes */
export const contactNoteValidator = vine.compile(
  vine.object({ body: vine.string().trim().minLength(1).maxLength(5000) })
)

/** POST /contacts/:contact/merge */
export const mergeContactValidator = vine.compile(
  vine.object({ other: vine.string().trim().minLength(1).maxLength(26) })
)

export const BULK_ACTIONS = ['tag', 'untag', 'set_field', 'opt_out', 'delete'] as const

/**
 * POST /contacts/bulk: on the selected ids, or on everything matching
 * the list's filters (`all: true` with the same query as the list).
 */
export const bulkContactsValidator = vine.compile(
  vine.object({
    action: vine.enum(BULK_ACTIONS),
    ids: vine.array(vine.string().trim().maxLength(26)).maxLength(1000).optional(),
    all: vine.boolean().optional(),
    filters: vine
      .object({
        q: vine.string().trim().maxLength(200).optional(),
        tag: vine.string().trim().maxLength(64).optional(),
        consent: vine.string().trim().maxLength(40).optional(),
        segment: vine.string().trim().maxLength(26).optional(),
      })
      .optional(),
    tag: vine.string().trim().maxLength(64).optional(),
    field: vine.string().trim().maxLength(48).optional(),
    value: vine.any().nullable().optional(),
  })
)
