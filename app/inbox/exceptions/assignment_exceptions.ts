import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'

/**
 * Business failures of assignment. Each answers JSON callers with
 * `{ errors: [{ code, message }] }` and Inertia/HTML callers with a flash
 * message and a redirect back.
 */
class AssignmentException extends Exception {
  async handle(error: this, ctx: HttpContext) {
    const wantsJson =
      !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'
    if (wantsJson) {
      return ctx.response
        .status(error.status)
        .send({ errors: [{ code: error.code, message: error.message }] })
    }
    ctx.session?.flash('error', error.message)
    return ctx.response.redirect().back()
  }
}

/**
 * The chosen user cannot receive conversations here: not a member of the
 * workspace, or their role lacks `inbox.view`.
 */
export class NotAssignableException extends AssignmentException {
  static status = 422
  static code = 'E_NOT_ASSIGNABLE'
  static message = 'This person cannot be assigned conversations in this workspace.'
}

/**
 * Automatic assignment (rule, queue, reassignment) would push the agent
 * over their maximum of concurrently open conversations. A person
 * assigning by hand may exceed it.
 */
export class AgentAtCapacityException extends AssignmentException {
  static status = 422
  static code = 'E_AGENT_AT_CAPACITY'
  static message = 'This agent already has as many open conversations as allowed.'
}

/** The team does not exist in this workspace. */
export class TeamNotFoundException extends AssignmentException {
  static status = 422
  static code = 'E_TEAM_NOT_FOUND'
  static message = 'This team does not exist.'
}
