import { ulid } from 'ulidx'
import type { HttpContext } from '@adonisjs/core/http'
import vine from '@vinejs/vine'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import { recordInboundMessage } from '#inbox/actions/record_inbound_message'
import { sendMessage } from '#inbox/actions/send_message'

const textValidator = vine.compile(
  vine.object({ text: vine.string().trim().minLength(1).maxLength(4096) })
)

/**
 * The Sandbox: each member chats with the workspace's simulated number as
 * a pretend customer, and replies as the business, without Meta.
 */
export default class SandboxController {
  private async context(ctx: HttpContext) {
    const channel = await Channel.query().where('driver', 'sandbox').orderBy('id').firstOrFail()
    const user = ctx.auth.getUserOrFail()
    const bsuid = `SANDBOX.${user.publicId}`
    const contact = await Contact.findBy('bsuid', bsuid)
    const conversation = contact
      ? await Conversation.query()
          .where('contact_id', contact.id)
          .where('channel_id', channel.id)
          .orderBy('id', 'desc')
          .first()
      : null
    return { channel, user, bsuid, conversation }
  }

  async show(ctx: HttpContext) {
    const { channel, conversation } = await this.context(ctx)
    const messages = conversation
      ? (
          await Message.query()
            .where('conversation_id', conversation.id)
            .orderBy('id', 'desc')
            .limit(100)
        ).reverse()
      : []
    return ctx.inertia.render('channels/sandbox', {
      channel: { name: channel.name, displayPhoneNumber: channel.displayPhoneNumber },
      windowEndsAt: conversation?.serviceWindowEndsAt?.toISO() ?? null,
      // Not `messages`: that shared prop carries the translations.
      thread: messages.map((message) => ({
        id: message.publicId,
        direction: message.direction,
        type: message.type,
        body: message.body,
        status: message.status,
        error: message.errorMessage,
        createdAt: message.createdAt.toISO(),
      })),
    })
  }

  /**
   * Write as the customer: the message goes through the same inbound
   * pipeline as a real WhatsApp message.
   */
  async inbound(ctx: HttpContext) {
    const { text } = await ctx.request.validateUsing(textValidator)
    const { channel, user, bsuid } = await this.context(ctx)
    await recordInboundMessage(channel, {
      kind: 'message',
      wabaId: null,
      phoneNumberId: channel.phoneNumberId ?? `sandbox:${channel.publicId}`,
      displayPhoneNumber: channel.displayPhoneNumber,
      contact: { waId: null, bsuid, profileName: user.fullName },
      providerMessageId: `sandbox.in.${ulid()}`,
      type: 'text',
      timestamp: Math.floor(Date.now() / 1000),
      body: text,
      replyTo: null,
      media: null,
      payload: { text: { body: text } },
    })
    return ctx.response.redirect().back()
  }

  /**
   * Reply as the business: queued and sent by the worker like any reply.
   */
  async reply(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const { text } = await ctx.request.validateUsing(textValidator)
    const { conversation } = await this.context(ctx)
    if (!conversation) {
      ctx.session.flash('error', ctx.i18n.t('ui.sandbox.write_first'))
      return ctx.response.redirect().back()
    }
    await sendMessage({
      conversation,
      content: { type: 'text', text },
      sentById: ctx.auth.user!.id,
    })
    return ctx.response.redirect().back()
  }
}
