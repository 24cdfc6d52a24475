import { DateTime } from 'luxon'
import { ulid } from 'ulidx'
import Channel from '#channels/models/channel'
import Conversation from '#inbox/models/conversation'
import Contact from '#contacts/models/contact'
import Message from '#inbox/models/message'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { recordInboundMessage } from '#inbox/actions/record_inbound_message'

/**
 * Inbox test data: a customer writes to the workspace's sandbox number
 * through the real inbound path (contact upserted, conversation opened or
 * reused, unread count, preview).
 */
export async function inbound(
  workspace: Workspace,
  input: {
    waId: string
    name?: string | null
    text?: string
    type?: string
    at?: DateTime
    replyTo?: string | null
    providerMessageId?: string
  }
): Promise<{ conversation: Conversation; message: Message }> {
  return tenancy.run(workspace.id, async () => {
    const channel = await Channel.query().where('driver', 'sandbox').orderBy('id').firstOrFail()
    const at = input.at ?? DateTime.now()
    const type = input.type ?? 'text'
    const { message } = await recordInboundMessage(channel, {
      kind: 'message',
      wabaId: null,
      phoneNumberId: channel.phoneNumberId ?? `sandbox:${channel.publicId}`,
      displayPhoneNumber: channel.displayPhoneNumber,
      contact: { waId: input.waId, bsuid: null, profileName: input.name ?? null },
      providerMessageId: input.providerMessageId ?? `wamid.test.${ulid()}`,
      type,
      timestamp: Math.floor(at.toSeconds()),
      body: type === 'text' ? (input.text ?? 'hello') : (input.text ?? null),
      replyTo: input.replyTo ?? null,
      media: null,
      payload: type === 'text' ? { text: { body: input.text ?? 'hello' } } : {},
    })
    const conversation = await Conversation.findOrFail(message.conversationId)
    return { conversation, message }
  })
}

/**
 * One item of a webhook batch for `recordInboundBatch`: a message from
 * `waId` to `channel` (a text unless `type` says otherwise), sent at `at`.
 */
export function batchItem(
  channel: Channel,
  waId: string,
  body: string | null,
  options: { at?: DateTime; type?: string } = {}
) {
  return {
    channel,
    item: {
      kind: 'message' as const,
      wabaId: null,
      phoneNumberId: channel.phoneNumberId ?? `sandbox:${channel.publicId}`,
      displayPhoneNumber: null,
      contact: { waId, bsuid: null, profileName: null },
      providerMessageId: `wamid.batch.${ulid()}`,
      type: options.type ?? 'text',
      timestamp: Math.floor((options.at ?? DateTime.now()).toSeconds()),
      body,
      replyTo: null,
      media: null,
      payload: {},
    },
  }
}

/** The conversation of the contact with WhatsApp id `waId` (its first, by id). */
export async function conversationOfWaId(workspace: Workspace, waId: string) {
  return tenancy.run(workspace.id, async () => {
    const contact = await Contact.query().where('wa_id', waId).firstOrFail()
    return Conversation.query().where('contact_id', contact.id).orderBy('id').firstOrFail()
  })
}

/** Reloads a conversation inside its workspace. */
export function reload(workspace: Workspace, conversation: Conversation) {
  return tenancy.run(workspace.id, () => Conversation.findOrFail(conversation.id))
}
