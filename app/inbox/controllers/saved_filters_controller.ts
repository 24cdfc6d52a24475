import type { HttpContext } from '@adonisjs/core/http'
import SavedFilter from '#inbox/models/saved_filter'
import { inboxScope } from '#inbox/queries/inbox_scope'
import { parseFilters } from '#inbox/queries/list_conversations'
import { serializeSavedFilter } from '#inbox/queries/inbox_page'
import { savedFilterValidator } from '#inbox/validators/conversations'

/** A member's saved inbox filters: only the owner lists, creates and deletes theirs. */
export default class SavedFiltersController {
  async index(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const filters = await SavedFilter.query().where('user_id', ctx.member.user.id).orderBy('id')
    return filters.map(serializeSavedFilter)
  }

  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const payload = await ctx.request.validateUsing(savedFilterValidator)
    const scope = await inboxScope(ctx)
    // Stored normalised, without a cursor.
    const filters = parseFilters(payload.filters, scope)
    delete filters.cursor
    const saved = await SavedFilter.create({
      userId: scope.userId,
      name: payload.name,
      filters,
    })
    return ctx.response.created(serializeSavedFilter(saved))
  }

  async destroy(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    // Another member's filter is as absent as another workspace's.
    const filter = await SavedFilter.query()
      .where('public_id', ctx.params.filter)
      .where('user_id', ctx.member.user.id)
      .firstOrFail()
    await filter.delete()
    return ctx.response.noContent()
  }
}
