import { HttpContext } from '@adonisjs/core/http'
import i18nManager from '@adonisjs/i18n/services/main'
import { errors } from '@vinejs/vine'

/**
 * A validation error on one field raised from inside an inbox action
 * (name taken, time in the past…), with its message from the module's own
 * translations (`key` is a full key such as `tags.errors.name_taken`).
 * Shown inline like any VineJS error (422 JSON for API calls).
 */
export function inboxFieldError(
  field: string,
  key: string,
  params: Record<string, unknown> = {}
): never {
  const i18n = HttpContext.get()?.i18n ?? i18nManager.locale(i18nManager.defaultLocale)
  throw new errors.E_VALIDATION_ERROR([
    { field, message: i18n.t(key, params), rule: key.split('.').pop() ?? key },
  ])
}
