import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { isMachineRequest } from '#core/middleware/web_only_middleware'

/**
 * Reads the session on every request so pages know who is logged in.
 */
export default class SilentAuthMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (isMachineRequest(ctx)) return next()
    await ctx.auth.check()
    return next()
  }
}
