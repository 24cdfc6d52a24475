import type { HttpContext } from '@adonisjs/core/http'
import { inboxScope } from '#inbox/queries/inbox_scope'
import { bulkValidator } from '#inbox/validators/conversations'
import { bulkUpdateConversations } from '#inbox/actions/bulk_update_conversations'

/** POST /inbox/bulk: one action on a selection of conversations → { updated } */
export default class BulkController {
  async handle(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const payload = await ctx.request.validateUsing(bulkValidator)
    const needs =
      payload.action === 'assign' || payload.action === 'team' ? 'inbox.assign' : 'inbox.reply'
    if (payload.action !== 'read') await ctx.bouncer.authorize('permit', needs)
    return bulkUpdateConversations(await inboxScope(ctx), payload)
  }
}
