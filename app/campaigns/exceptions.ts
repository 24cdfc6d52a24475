import { HttpContext } from '@adonisjs/core/http'
import i18nManager from '@adonisjs/i18n/services/main'
import { Exception } from '@adonisjs/core/exceptions'
import { errors } from '@vinejs/vine'

/** A translation of `campaigns.<key>` in the request's locale (default locale in jobs). */
export function campaignText(key: string, params: Record<string, unknown> = {}) {
  const i18n = HttpContext.get()?.i18n ?? i18nManager.locale(i18nManager.defaultLocale)
  return i18n.t(`campaigns.${key}`, params)
}

/**
 * Inline validation errors from inside a campaigns action (split sums,
 * schedule limits, unmapped variables…), shown like VineJS errors (422).
 * `key` is under `campaigns.errors.`.
 */
export function campaignFieldErrors(
  list: { field: string; key: string; params?: object }[]
): never {
  throw new errors.E_VALIDATION_ERROR(
    list.map((item) => ({
      field: item.field,
      message: campaignText(`errors.${item.key}`, { ...(item.params ?? {}) }),
      rule: item.key,
    }))
  )
}

/** The campaign is not in a state that allows this action (409). */
export class CampaignStateException extends Exception {
  static status = 409
  static code = 'E_CAMPAIGN_STATE'

  constructor(public currentStatus: string) {
    super(campaignText('errors.state', { status: currentStatus }))
  }

  async handle(error: this, ctx: HttpContext) {
    if (ctx.request.header('x-inertia') || ctx.request.accepts(['html', 'json']) !== 'json') {
      ctx.session.flash('error', error.message)
      return ctx.response.redirect().back()
    }
    return ctx.response
      .status(409)
      .send({ errors: [{ code: error.code, message: error.message, status: error.currentStatus }] })
  }
}
