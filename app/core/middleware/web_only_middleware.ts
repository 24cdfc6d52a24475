import SessionMiddleware from '@adonisjs/session/session_middleware'
import ShieldMiddleware from '@adonisjs/shield/shield_middleware'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * Machine endpoints (`/webhooks/*`, and plugins' public `/hooks/<id>/*`) carry no cookie and need no session,
 * CSRF or security headers: skipping them keeps Meta's acknowledgement
 * fast. Everything else gets the framework's middleware unchanged.
 */
export function isMachineRequest(ctx: HttpContext) {
  const url = ctx.request.url()
  return url.startsWith('/webhooks/') || url.startsWith('/hooks/')
}

export class WebSessionMiddleware {
  static #middleware: SessionMiddleware<any> | null = null

  async handle(ctx: HttpContext, next: NextFn) {
    if (isMachineRequest(ctx)) return next()
    const middleware = (WebSessionMiddleware.#middleware ??=
      await ctx.containerResolver.make(SessionMiddleware))
    return middleware.handle(ctx, next)
  }
}

export class WebShieldMiddleware {
  static #middleware: ShieldMiddleware | null = null

  async handle(ctx: HttpContext, next: NextFn) {
    if (isMachineRequest(ctx)) return next()
    const middleware = (WebShieldMiddleware.#middleware ??=
      await ctx.containerResolver.make(ShieldMiddleware))
    return middleware.handle(ctx, next)
  }
}
