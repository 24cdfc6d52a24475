import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'

export type SegmentError = {
  /** Where in the definition, e.g. `conditions[1].conditions[0].value` ('' = the whole definition). */
  path: string
  message: string
}

/**
 * A segment definition the engine refuses: wrong shape, an operator that
 * does not fit the field, a value of the wrong type, an unknown tag, field
 * or segment, a reference cycle. Answers 422 `{ errors: [{ path, message }] }`
 * (self-handled, so every route that compiles a definition gets it).
 */
export class InvalidSegmentException extends Exception {
  static status = 422
  static code = 'E_INVALID_SEGMENT'

  constructor(public errors: SegmentError[]) {
    super(
      `Invalid segment definition: ${errors
        .slice(0, 3)
        .map((error) => `${error.path || '(definition)'}: ${error.message}`)
        .join('; ')}`
    )
  }

  async handle(error: this, ctx: HttpContext) {
    return ctx.response.status(422).send({ errors: error.errors })
  }
}
