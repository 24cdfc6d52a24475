import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'
import logger from '@adonisjs/core/services/logger'
import { pluginRegistry } from '#core/plugin_host/registry'
import { isActiveFor } from '#core/plugin_host/state'
import type { OutboundDraft } from '#sdk/plugin'

/**
 * A plugin's outbound filter refused the message. Expected business
 * failure: 422 with the plugin's reason.
 */
export class OutboundCancelledException extends Exception {
  static status = 422
  static code = 'E_OUTBOUND_CANCELLED'

  constructor(
    readonly pluginId: string,
    readonly reason: string
  ) {
    super(`Message not sent: ${reason} (plugin ${pluginId})`)
  }

  /** JSON: 422 with code and plugin; panels: flash the reason, go back. */
  async handle(error: this, ctx: HttpContext) {
    const wantsJson =
      !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'
    if (wantsJson) {
      return ctx.response.status(422).send({
        errors: [{ code: error.code, message: error.message, plugin: error.pluginId }],
      })
    }
    ctx.session?.flash('error', error.message)
    return ctx.response.redirect().back()
  }
}

/**
 * Runs the outbound filters of the plugins active in the draft's
 * workspace, in load order; each sees the previous one's result. Returns
 * the content to send, or throws OutboundCancelledException. A filter
 * that throws is logged with its plugin id and skipped: the send goes on.
 */
export async function filterOutbound<C>(
  draft: Omit<OutboundDraft, 'content'> & { content: C }
): Promise<C> {
  let content = draft.content
  for (const { pluginId, filter } of pluginRegistry.filters()) {
    const record = pluginRegistry.get(pluginId)!
    try {
      if (!(await isActiveFor(pluginId, draft.workspaceId))) continue
      const result = await filter({ ...draft, content } as OutboundDraft, record.context!)
      if (!result) continue
      if ('cancel' in result) throw new OutboundCancelledException(pluginId, result.cancel)
      if ('content' in result && result.content) content = result.content as C
    } catch (error) {
      if (error instanceof OutboundCancelledException) throw error
      logger.error(
        { err: error, plugin: pluginId, workspaceId: draft.workspaceId },
        `plugin ${pluginId}: outbound filter failed; message sent without it`
      )
    }
  }
  return content
}
