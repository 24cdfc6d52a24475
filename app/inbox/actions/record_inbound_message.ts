import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { emitReceived } from '#inbox/actions/emit_received'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Contact from '#contacts/models/contact'
import { phoneOfWaId } from '#contacts/services/phone'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import type Channel from '#channels/models/channel'
import type { NormalizedMessage } from '#channels/webhooks/normalize_meta'
import { isUniqueViolation } from '#core/helpers/db_errors'
import { tenancy } from '#core/tenancy/context'
import { previewOf, reopenCutoff } from '#inbox/services/conversation_metrics'

export type RecordedInbound = {
  message: Message
  created: boolean
  /** Set when created: the conversation's first inbound message. */
  firstInbound?: boolean
  contactId?: number
}

/** Identifiers a Meta webhook does not carry (plugins: WhatsApp's LID). */
export type InboundIdentity = { lid?: string | null }

async function upsertContact(
  trx: TransactionClientContract,
  item: NormalizedMessage,
  at: DateTime,
  lid: string | null
): Promise<Contact> {
  const { waId, bsuid, profileName } = item.contact
  const phone = phoneOfWaId(waId)
  const query = Contact.query({ client: trx })
  query.where((where) => {
    if (bsuid) where.orWhere('bsuid', bsuid)
    if (lid) where.orWhere('lid', lid)
    if (waId) where.orWhere('wa_id', waId)
    // A contact imported or created by hand has a phone and no wa_id yet.
    if (phone) where.orWhere('phone', phone)
  })
  // The business-scoped id wins, then the LID, then the WhatsApp id, then the phone.
  const matches = await query.limit(4)
  const contact =
    matches.find((candidate) => bsuid && candidate.bsuid === bsuid) ??
    matches.find((candidate) => lid && candidate.lid === lid) ??
    matches.find((candidate) => waId && candidate.waId === waId) ??
    matches[0] ??
    null

  if (!contact) {
    return Contact.create(
      {
        waId,
        bsuid,
        lid,
        phone,
        profileName,
        lastInboundAt: at,
        lastSeenAt: at,
        messagesIn: 1,
      },
      { client: trx }
    )
  }
  contact.useTransaction(trx)
  if (bsuid && !contact.bsuid) contact.bsuid = bsuid
  if (lid && !contact.lid && !matches.some((other) => other.lid === lid)) contact.lid = lid
  if (waId && !contact.waId) {
    contact.waId = waId
    contact.phone = contact.phone ?? phone
  }
  if (profileName) contact.profileName = profileName
  if (!contact.lastInboundAt || contact.lastInboundAt < at) contact.lastInboundAt = at
  if (!contact.lastSeenAt || contact.lastSeenAt < at) contact.lastSeenAt = at
  // The transaction rolls back when the message turns out to be stored already.
  contact.messagesIn = (contact.messagesIn ?? 0) + 1
  await contact.save()
  return contact
}

/**
 * The conversation an inbound message belongs to: the contact's latest
 * on this channel that is not resolved, or was resolved within the last
 * REOPEN_RESOLVED_WITHIN_DAYS (it is reopened); else a new one.
 */
async function conversationFor(
  trx: TransactionClientContract,
  contact: Contact,
  channel: Channel
): Promise<Conversation> {
  const existing = await Conversation.query({ client: trx })
    .where('contact_id', contact.id)
    .where('channel_id', channel.id)
    .where((where) =>
      where.whereNot('status', 'resolved').orWhere('resolved_at', '>=', reopenCutoff())
    )
    .orderBy('id', 'desc')
    .first()
  if (existing) return existing
  const created = await Conversation.create(
    { contactId: contact.id, channelId: channel.id, status: 'open', unreadCount: 0 },
    { client: trx }
  )
  created.$extras.created_here = true
  return created
}

/**
 * Whether `messageId` is the conversation's first inbound message, from
 * the conversation as read before this message updated it: a new one, or
 * one never written to (its last inbound time is kept on every inbound
 * message) whose only inbound message is this one.
 */
export async function isFirstInbound(
  trx: TransactionClientContract,
  conversation: Conversation,
  messageId: number
): Promise<boolean> {
  if (conversation.$extras.created_here) return true
  if (conversation.lastInboundAt) return false
  const earlier = await Message.query({ client: trx })
    .where('conversation_id', conversation.id)
    .where('direction', 'in')
    .where('id', '<', messageId)
    .select('id')
    .first()
  return !earlier
}

async function attempt(
  channel: Channel,
  item: NormalizedMessage,
  identity: InboundIdentity
): Promise<RecordedInbound> {
  const existing = await Message.findBy('provider_message_id', item.providerMessageId)
  if (existing) return { message: existing, created: false }

  const at = item.timestamp ? DateTime.fromSeconds(item.timestamp) : DateTime.now()
  return db.transaction(async (trx) => {
    const contact = await upsertContact(trx, item, at, identity.lid ?? null)
    const conversation = await conversationFor(trx, contact, channel)
    const message = await Message.create(
      {
        conversationId: conversation.id,
        channelId: channel.id,
        direction: 'in',
        providerMessageId: item.providerMessageId,
        type: item.type,
        body: item.body,
        payload: item.payload,
        status: 'received',
        replyToProviderId: item.replyTo,
        mediaMime: item.media?.mimeType ?? null,
        providerTimestamp: at,
        attempts: 0,
      },
      { client: trx }
    )
    const firstInbound = await isFirstInbound(trx, conversation, message.id)
    conversation.useTransaction(trx)
    conversation.unreadCount = (conversation.unreadCount ?? 0) + 1
    if (!conversation.lastMessageAt || conversation.lastMessageAt <= at) {
      conversation.lastMessageAt = at
      conversation.lastMessagePreview = previewOf(item.type, item.body)
      conversation.lastMessageDirection = 'in'
    }
    if (!conversation.lastInboundAt || conversation.lastInboundAt < at)
      conversation.lastInboundAt = at
    // A customer writing again reopens the conversation.
    if (conversation.status === 'resolved') {
      conversation.reopenCount = (conversation.reopenCount ?? 0) + 1
      conversation.reopenedAt = DateTime.now()
    }
    if (conversation.status !== 'open') {
      conversation.status = 'open'
      conversation.snoozedUntil = null
    }
    await conversation.save()
    return { message, created: true, firstInbound, contactId: contact.id }
  })
}

/**
 * Stores one inbound message exactly once: contact upserted (BSUID first,
 * then the LID a plugin gives in `identity`, then wa_id), the open conversation reused or a new one opened, the
 * message inserted (unique per workspace on the WhatsApp message id), the
 * 24-hour window refreshed, `inbox:message_received` emitted. Runs inside
 * the channel's tenant context. A concurrent insert of the same message or
 * contact is retried once and then seen as existing.
 */
export async function recordInboundMessage(
  channel: Channel,
  item: NormalizedMessage,
  identity: InboundIdentity = {}
): Promise<RecordedInbound> {
  let result: RecordedInbound
  try {
    result = await attempt(channel, item, identity)
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    result = await attempt(channel, item, identity)
  }
  if (result.created) {
    const { message } = result
    await emitReceived(tenancy.workspaceId(), [
      {
        conversationId: message.conversationId,
        messageId: message.id,
        contactId: result.contactId!,
        channelId: message.channelId,
        type: message.type,
        body: message.body,
        at: message.providerTimestamp ?? message.createdAt,
        firstInbound: result.firstInbound ?? false,
      },
    ])
  }
  return result
}
