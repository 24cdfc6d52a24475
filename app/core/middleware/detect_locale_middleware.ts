import i18nManager from '@adonisjs/i18n/services/main'
import type { I18n } from '@adonisjs/i18n'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { isMachineRequest } from '#core/middleware/web_only_middleware'
import { RequestValidator } from '@adonisjs/core/http'
import { clientMessages, directionOf } from '#core/i18n'

/**
 * Validation messages come from resources/lang/<locale>/validation.json in
 * the request's language.
 */
RequestValidator.messagesProvider = (ctx) => ctx.i18n.createMessagesProvider('validation')

/**
 * Picks the locale: the user's own, else `?lang=` / the `locale` cookie,
 * else the browser's Accept-Language. Shares the messages and text
 * direction with the Vue panels.
 */
export default class DetectLocaleMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (isMachineRequest(ctx)) return next()
    const wanted =
      ctx.auth?.user?.locale ??
      ctx.request.input('lang') ??
      ctx.request.cookie('locale') ??
      ctx.request.languages()
    const locale = i18nManager.getSupportedLocaleFor(wanted) ?? i18nManager.defaultLocale
    ctx.i18n = i18nManager.locale(locale)
    ctx.containerResolver.bindValue('i18n', ctx.i18n)
    if (ctx.request.input('lang') && !ctx.auth?.user) {
      ctx.response.cookie('locale', locale, { maxAge: '365 days' })
    }

    ctx.inertia?.share({
      locale,
      direction: directionOf(locale),
      messages: clientMessages(locale),
      supportedLocales: i18nManager.supportedLocales(),
    })
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    i18n: I18n
  }
}
