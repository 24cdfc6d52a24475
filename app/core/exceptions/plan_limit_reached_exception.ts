import { Exception } from '@adonisjs/core/exceptions'

/**
 * A plan limit would be exceeded. The message names the limit, the usage
 * and the way to upgrade; the handler turns it into a flash message or a
 * JSON error with this code.
 */
export class PlanLimitReachedException extends Exception {
  static status = 403
  static code = 'E_PLAN_LIMIT_REACHED'

  constructor(
    message: string,
    public details: { limit: string; allowed: number; current: number; requested: number }
  ) {
    super(message)
  }
}
