import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { audit } from '#core/services/audit'

/**
 * /admin is for platform super admins. Others get a 404, not a hint that
 * the panel exists.
 */
export default class SuperAdminMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const user = ctx.auth.getUserOrFail()
    if (!user.isSuperAdmin) {
      await audit({ action: 'security.admin_denied', actorId: user.id })
      return ctx.response.notFound('Not found')
    }
    return next()
  }
}
