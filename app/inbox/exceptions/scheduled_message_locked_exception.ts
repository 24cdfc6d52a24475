import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'

/**
 * A scheduled message can be edited or cancelled only while it waits
 * (status `scheduled`); once the worker has claimed it, or it was sent,
 * failed or cancelled, it is final.
 */
export class ScheduledMessageLockedException extends Exception {
  static status = 409
  static code = 'E_SCHEDULED_MESSAGE_LOCKED'
  static message =
    'This scheduled message was already sent, failed or cancelled; it can no longer change.'

  async handle(error: this, ctx: HttpContext) {
    ctx.response.status(error.status).send({
      errors: [{ code: error.code, message: ctx.i18n.t('scheduled.errors.locked') }],
    })
  }
}
