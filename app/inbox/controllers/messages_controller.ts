import type { HttpContext } from '@adonisjs/core/http'
import drive from '@adonisjs/drive/services/main'
import Message from '#inbox/models/message'
import { inboxScope, visibleConversation, canSee } from '#inbox/queries/inbox_scope'
import { getThread, threadMessage } from '#inbox/queries/get_thread'
import { sendMessage } from '#inbox/actions/send_message'
import { replyWithAttachment } from '#inbox/actions/reply_with_attachment'
import { addNote } from '#inbox/actions/add_note'
import {
  attachmentFieldsValidator,
  noteValidator,
  replyValidator,
} from '#inbox/validators/conversations'
import { mediaUrlFor } from '#inbox/controllers/conversations_controller'
import { OutsideServiceWindowException } from '#inbox/exceptions/outside_service_window_exception'
import {
  ConversationNotVisibleException,
  ReplyTargetNotFoundException,
  translateInboxError,
} from '#inbox/exceptions/inbox_exceptions'
import Conversation from '#inbox/models/conversation'

/**
 * A conversation's thread: pages of messages (notes included), replies
 * (text or attachment), notes with mentions, and stored media.
 */
export default class MessagesController {
  /** GET /inbox/conversations/:conversation/messages?before=&limit= → ThreadPage */
  async index(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const before = ctx.request.input('before')
    const limit = Number(ctx.request.input('limit'))
    return getThread({
      workspaceId: scope.workspaceId,
      conversationId: conversation.id,
      before: typeof before === 'string' && before ? before : null,
      limit: Number.isInteger(limit) && limit > 0 ? limit : undefined,
      mediaUrl: mediaUrlFor(ctx.workspace.slug),
    })
  }

  /**
   * POST /inbox/conversations/:conversation/messages: JSON `{ text,
   * replyTo? }` or multipart `file` + `caption?` + `replyTo?`. 201 with the
   * ThreadMessage; 422 E_OUTSIDE_SERVICE_WINDOW outside the 24-hour
   * window, E_MEDIA_TYPE_NOT_ALLOWED / E_MEDIA_TOO_LARGE for a file Meta
   * would refuse (nothing stored).
   */
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const file = ctx.request.file('file')
    try {
      let message: Message
      if (file) {
        const fields = await ctx.request.validateUsing(attachmentFieldsValidator)
        message = await replyWithAttachment({
          conversation,
          file,
          caption: fields.caption,
          replyTo: await this.replyTarget(conversation, fields.replyTo),
          sentById: scope.userId,
        })
      } else {
        const payload = await ctx.request.validateUsing(replyValidator)
        message = await sendMessage({
          conversation,
          content: { type: 'text', text: payload.text },
          replyTo: await this.replyTarget(conversation, payload.replyTo),
          sentById: scope.userId,
        })
      }
      return ctx.response.created(await this.serialize(ctx, conversation, message))
    } catch (error) {
      if (error instanceof OutsideServiceWindowException) {
        const message = translateInboxError(ctx, error.code, error.message)
        return ctx.response.status(422).send({ errors: [{ code: error.code, message }] })
      }
      throw error
    }
  }

  /** POST /inbox/conversations/:conversation/notes { text, mentions? } → 201 ThreadMessage */
  async note(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const payload = await ctx.request.validateUsing(noteValidator)
    const { message } = await addNote({
      conversation,
      text: payload.text,
      mentions: payload.mentions,
      authorId: scope.userId,
    })
    return ctx.response.created(await this.serialize(ctx, conversation, message))
  }

  /** GET /inbox/media/:message: the stored media of a message, with its type. */
  async media(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const scope = await inboxScope(ctx)
    const message = await Message.query().where('public_id', ctx.params.message).firstOrFail()
    const conversation = await Conversation.findOrFail(message.conversationId)
    if (!canSee(scope, conversation)) throw new ConversationNotVisibleException()
    if (!message.mediaPath || !(await drive.use().exists(message.mediaPath))) {
      return ctx.response.notFound({ errors: [{ message: 'Not found' }] })
    }
    const stream = await drive.use().getStream(message.mediaPath)
    ctx.response.header('content-type', message.mediaMime ?? 'application/octet-stream')
    ctx.response.header('cache-control', 'private, max-age=3600')
    ctx.response.header('x-content-type-options', 'nosniff')
    const content = message.payload?.content as { filename?: string } | undefined
    const filename = content?.filename ?? (message.payload?.document as any)?.filename
    if (typeof filename === 'string' && filename) {
      ctx.response.header(
        'content-disposition',
        `inline; filename*=UTF-8''${encodeURIComponent(filename)}`
      )
    }
    return ctx.response.stream(stream)
  }

  /** The provider id of the quoted message (a public id of this conversation). */
  private async replyTarget(conversation: Conversation, publicId?: string | null) {
    if (!publicId) return null
    const target = await Message.query()
      .where('conversation_id', conversation.id)
      .where('public_id', publicId)
      .select('provider_message_id')
      .first()
    if (!target?.providerMessageId) throw new ReplyTargetNotFoundException()
    return target.providerMessageId
  }

  private serialize(ctx: HttpContext, conversation: Conversation, message: Message) {
    return threadMessage(
      conversation.workspaceId,
      conversation.id,
      message.id,
      mediaUrlFor(ctx.workspace.slug)
    )
  }
}
