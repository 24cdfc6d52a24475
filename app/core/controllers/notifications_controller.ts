import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import Notification from '#core/models/notification'

export default class NotificationsController {
  /**
   * Marks every notification of the current member as read.
   */
  async markAllRead({ auth, response }: HttpContext) {
    await Notification.query()
      .where('user_id', auth.getUserOrFail().id)
      .whereNull('read_at')
      .update({ readAt: DateTime.now().toSQL({ includeOffset: false }) })
    return response.redirect().back()
  }
}
