import type { HttpContext } from '@adonisjs/core/http'
import { canSee, inboxScope, visibleConversation } from '#inbox/queries/inbox_scope'
import { ConversationNotVisibleException } from '#inbox/exceptions/inbox_exceptions'
import Conversation from '#inbox/models/conversation'
import ScheduledMessage from '#inbox/models/scheduled_message'
import {
  scheduleMessageValidator,
  updateScheduledMessageValidator,
} from '#inbox/validators/scheduled_messages'
import {
  cancelScheduledMessage,
  scheduleMessage,
  updateScheduledMessage,
} from '#inbox/actions/schedule_message'

export type ScheduledMessageItem = {
  id: string
  body: string
  /** ISO instant (UTC). */
  sendAt: string
  /** The IANA zone the time was chosen in. */
  timezone: string
  /** The send time as a local `YYYY-MM-DDTHH:mm` in that zone (for editing). */
  localSendAt: string
  status: 'scheduled' | 'sending' | 'sent' | 'failed' | 'cancelled'
  /** Readable reason when failed. */
  error: string | null
  errorCode: string | null
  createdBy: string | null
}

function serialize(scheduled: ScheduledMessage, i18n: HttpContext['i18n']): ScheduledMessageItem {
  const code = scheduled.error?.startsWith('E_') ? scheduled.error : null
  const key = code ? `scheduled.errors.${code}` : null
  return {
    id: scheduled.publicId,
    body: scheduled.body,
    sendAt: scheduled.sendAt.toUTC().toISO()!,
    timezone: scheduled.timezone,
    localSendAt: scheduled.sendAt.setZone(scheduled.timezone).toFormat("yyyy-LL-dd'T'HH:mm"),
    status: scheduled.status,
    error: key && i18n.hasMessage(key) ? i18n.t(key) : scheduled.error,
    errorCode: code,
    createdBy: scheduled.createdBy?.fullName ?? null,
  }
}

/**
 * Scheduled messages of a conversation (inbox.reply): list, create, edit
 * and cancel while they wait.
 */
export default class ScheduledMessagesController {
  /** GET …/conversations/:conversation/scheduled: waiting and failed ones, soonest first. */
  async index(ctx: HttpContext) {
    const { params, bouncer, i18n } = ctx
    await bouncer.authorize('permit', 'inbox.reply')
    const conversation = await visibleConversation(await inboxScope(ctx), params.conversation)
    const rows = await ScheduledMessage.query()
      .where('conversation_id', conversation.id)
      .whereIn('status', ['scheduled', 'sending', 'failed'])
      .preload('createdBy')
      .orderBy('send_at')
      .limit(100)
    return rows.map((row) => serialize(row, i18n))
  }

  /** POST …/conversations/:conversation/scheduled */
  async store(ctx: HttpContext) {
    const { params, request, bouncer, auth, workspace, response, i18n } = ctx
    await bouncer.authorize('permit', 'inbox.reply')
    const conversation = await visibleConversation(await inboxScope(ctx), params.conversation)
    const payload = await request.validateUsing(scheduleMessageValidator)
    const scheduled = await scheduleMessage(conversation, payload, {
      actorId: auth.user!.id,
      workspaceZone: workspace.timezone,
    })
    await scheduled.load('createdBy')
    return response.created(serialize(scheduled, i18n))
  }

  /** PUT /w/:workspace/inbox/scheduled/:scheduled */
  async update(ctx: HttpContext) {
    const { params, request, bouncer, workspace, i18n } = ctx
    await bouncer.authorize('permit', 'inbox.reply')
    const scheduled = await ScheduledMessage.findByOrFail('public_id', params.scheduled)
    const conversation = await Conversation.findOrFail(scheduled.conversationId)
    if (!canSee(await inboxScope(ctx), conversation)) throw new ConversationNotVisibleException()
    const payload = await request.validateUsing(updateScheduledMessageValidator)
    await updateScheduledMessage(scheduled, conversation, payload, workspace.timezone)
    await scheduled.load('createdBy')
    return serialize(scheduled, i18n)
  }

  /** DELETE /w/:workspace/inbox/scheduled/:scheduled: cancel. */
  async destroy(ctx: HttpContext) {
    const { params, bouncer, i18n } = ctx
    await bouncer.authorize('permit', 'inbox.reply')
    const scheduled = await ScheduledMessage.findByOrFail('public_id', params.scheduled)
    const conversation = await Conversation.findOrFail(scheduled.conversationId)
    if (!canSee(await inboxScope(ctx), conversation)) throw new ConversationNotVisibleException()
    await cancelScheduledMessage(scheduled)
    await scheduled.load('createdBy')
    return serialize(scheduled, i18n)
  }
}
