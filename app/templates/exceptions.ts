import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'
import type { TemplateIssue } from '#templates/validation'

/** `key` in the request's language, or `fallback` when no translation exists. */
export function translateOr(
  ctx: HttpContext,
  key: string,
  params: Record<string, string | number>,
  fallback: string
): string {
  const text = ctx.i18n?.t(key, params)
  return text && text !== key && !text.startsWith('translation missing') ? text : fallback
}

/**
 * Expected failures of template management, each with a stable code.
 * Self-handled: JSON callers (the editor) get
 * `{ errors: [{ code, message, ...details }] }` with the status below;
 * Inertia/HTML callers get a flash message and go back.
 */
export class TemplateException extends Exception {
  constructor(
    message: string,
    options: { code: string; status?: number },
    public details: Record<string, unknown> = {}
  ) {
    super(message, { code: options.code, status: options.status ?? 422 })
  }

  /** The message in the request's language when `templates.errors.<code>` exists. */
  translated(ctx: HttpContext): string {
    const key = `templates.errors.${this.code}`
    const params = Object.fromEntries(
      Object.entries(this.details).filter(
        ([, value]) => typeof value === 'string' || typeof value === 'number'
      )
    ) as Record<string, string | number>
    return translateOr(ctx, key, params, this.message)
  }

  async handle(error: this, ctx: HttpContext) {
    const message = error.translated(ctx)
    const wantsJson =
      !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'
    if (wantsJson) {
      return ctx.response
        .status(error.status)
        .send({ errors: [{ code: error.code, message, ...error.details }] })
    }
    ctx.session?.flash('error', message)
    return ctx.response.redirect().back()
  }
}

/** The template breaks Meta's rules: 422 with every issue (component, index, field, code). */
export class InvalidTemplateException extends Exception {
  static status = 422
  static code = 'E_TEMPLATE_INVALID'

  constructor(public issues: TemplateIssue[]) {
    super(`Invalid template: ${issues.map((issue) => issue.message).join(' ')}`, {
      code: 'E_TEMPLATE_INVALID',
      status: 422,
    })
  }

  async handle(error: this, ctx: HttpContext) {
    return ctx.response.status(422).send({
      errors: error.issues.map((issue) => ({
        ...issue,
        code: 'E_TEMPLATE_INVALID',
        rule: issue.code,
        message: translateOr(
          ctx,
          `templates.rules.${issue.code}`,
          { ...(issue.params ?? {}), position: issue.index === undefined ? '' : issue.index + 1 },
          issue.message
        ),
      })),
    })
  }
}
