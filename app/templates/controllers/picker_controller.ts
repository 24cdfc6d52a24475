import type { HttpContext } from '@adonisjs/core/http'
import { inboxScope, visibleConversation } from '#inbox/queries/inbox_scope'
import { threadMessage } from '#inbox/queries/get_thread'
import { mediaUrlFor } from '#inbox/controllers/conversations_controller'
import { listPickerTemplates, sendPickedTemplate } from '#templates/services/picker'
import { pickerListValidator, pickerSendValidator } from '#templates/validators/picker'

/**
 * The inbox composer's template picker: the approved templates the open
 * conversation can be sent (its channel's WABA), pre-filled from the
 * contact, and the send of one with the agent's values.
 */
export default class PickerController {
  /** GET /w/:workspace/inbox/conversations/:conversation/templates?q=&page= → PickerPage */
  async index(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const query = await pickerListValidator.validate(ctx.request.qs())
    return listPickerTemplates({ conversation, q: query.q, page: query.page })
  }

  /**
   * POST /w/:workspace/inbox/conversations/:conversation/templates
   * `{ template, values }` → 201 ThreadMessage; 422 E_TEMPLATE_NOT_APPROVED
   * or E_TEMPLATE_VALUES_INVALID (`errors[].field` is the variable key).
   */
  async send(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const payload = await ctx.request.validateUsing(pickerSendValidator)
    const message = await sendPickedTemplate({
      conversation,
      template: payload.template,
      values: payload.values ?? {},
      sentById: scope.userId,
    })
    return ctx.response.created(
      await threadMessage(
        conversation.workspaceId,
        conversation.id,
        message.id,
        mediaUrlFor(ctx.workspace.slug)
      )
    )
  }
}
