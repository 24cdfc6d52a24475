import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'

/**
 * Business failures of the inbox list, thread and composer. JSON callers
 * get `{ errors: [{ code, message }] }` with the status; Inertia/HTML
 * callers a flash message and a redirect back. The message is translated
 * from `conversations.errors.<code>` (resources/lang/<locale>/conversations.json)
 * with the exception's params; the English text is the fallback.
 */
export class InboxException extends Exception {
  params: Record<string, string | number> = {}

  withParams(params: Record<string, string | number>) {
    this.params = params
    return this
  }

  async handle(error: this, ctx: HttpContext) {
    const message = translateInboxError(ctx, error.code, error.message, error.params)
    const wantsJson =
      !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'
    if (wantsJson) {
      return ctx.response.status(error.status).send({ errors: [{ code: error.code, message }] })
    }
    ctx.session?.flash('error', message)
    return ctx.response.redirect().back()
  }
}

export function translateInboxError(
  ctx: HttpContext,
  code: string | undefined,
  fallback: string,
  params: Record<string, string | number> = {}
) {
  if (!code || !ctx.i18n) return fallback
  return ctx.i18n.t(`conversations.errors.${code}`, params, fallback)
}

/**
 * The conversation exists in this workspace but is outside what the
 * member may see (no `inbox.view_all`: only their own, unassigned ones and
 * their teams').
 */
export class ConversationNotVisibleException extends InboxException {
  static status = 403
  static code = 'E_CONVERSATION_NOT_VISIBLE'
  static message = 'You cannot see this conversation.'
}

/** The `all` view needs `inbox.view_all`. */
export class ViewNotAllowedException extends InboxException {
  static status = 403
  static code = 'E_VIEW_NOT_ALLOWED'
  static message = 'You can only see your conversations, unassigned ones and your teams’.'
}

/** An attachment's type is not one WhatsApp accepts. */
export class MediaTypeNotAllowedException extends InboxException {
  static status = 422
  static code = 'E_MEDIA_TYPE_NOT_ALLOWED'
}

/** An attachment is larger than WhatsApp accepts for its type. */
export class MediaTooLargeException extends InboxException {
  static status = 422
  static code = 'E_MEDIA_TOO_LARGE'
}

/** Audio and stickers cannot carry a caption on WhatsApp. */
export class CaptionNotSupportedException extends InboxException {
  static status = 422
  static code = 'E_CAPTION_NOT_SUPPORTED'
  static message = 'WhatsApp shows captions on images, videos and documents only.'
}

/** Snoozing needs a time in the future, at most 30 days ahead. */
export class InvalidSnoozeException extends InboxException {
  static status = 422
  static code = 'E_INVALID_SNOOZE'
  static message = 'Snooze until a time in the future, at most 30 days ahead.'
}

/** The message replied to is not in this conversation or was never delivered. */
export class ReplyTargetNotFoundException extends InboxException {
  static status = 422
  static code = 'E_REPLY_TARGET_NOT_FOUND'
  static message = 'The message you reply to is not in this conversation.'
}

/** A bulk action names conversations that do not exist here. */
export class ConversationsNotFoundException extends InboxException {
  static status = 404
  static code = 'E_CONVERSATIONS_NOT_FOUND'
  static message = 'Some of these conversations do not exist.'
}
