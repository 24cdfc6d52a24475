import { Exception } from '@adonisjs/core/exceptions'

/**
 * Free-form messages can only be sent within 24 hours of the customer's
 * last message; after that only an approved template may be sent (Meta
 * would reject it with 131047).
 */
export class OutsideServiceWindowException extends Exception {
  static status = 422
  static code = 'E_OUTSIDE_SERVICE_WINDOW'
  static message =
    'More than 24 hours have passed since the customer last wrote. Send an approved template to reopen the conversation.'
}
