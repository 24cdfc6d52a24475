import BodyParserMiddleware from '@adonisjs/core/bodyparser_middleware'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * The framework's body parser for every route except `/webhooks/*`, which
 * must read the raw bytes themselves: the signature is computed over them,
 * a malformed body must be stored rather than rejected, and the size cap
 * differs (3 MB for Meta).
 */
export default class ParleyBodyParserMiddleware {
  static #parser: BodyParserMiddleware | null = null

  async handle(ctx: HttpContext, next: NextFn) {
    if (ctx.request.url().startsWith('/webhooks/')) return next()
    const parser = (ParleyBodyParserMiddleware.#parser ??=
      await ctx.containerResolver.make(BodyParserMiddleware))
    return parser.handle(ctx, next)
  }
}
