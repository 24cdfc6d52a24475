import { HttpContext } from '@adonisjs/core/http'
import i18nManager from '@adonisjs/i18n/services/main'
import { errors } from '@vinejs/vine'

/**
 * Raises a validation error on one field from inside an action (a rule
 * that needs the database and the workspace, like "already a member"). The
 * message is the translation `validation.<key>` in the request's locale;
 * the exception handler shows it inline like any VineJS error.
 */
export function fieldError(
  field: string,
  key: string,
  params: Record<string, unknown> = {}
): never {
  const i18n = HttpContext.get()?.i18n ?? i18nManager.locale(i18nManager.defaultLocale)
  const message = i18n.t(`validation.messages.${key}`, { field, ...params })
  throw new errors.E_VALIDATION_ERROR([{ field, message, rule: key }])
}
