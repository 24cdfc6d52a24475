import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * /admin is for platform super admins. Others get a 404, not a hint that
 * the panel exists.
 */
export default class SuperAdminMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const user = ctx.auth.getUserOrFail()
    if (!user.isSuperAdmin) {
      return ctx.response.notFound('Not found')
    }
    return next()
  }
}
