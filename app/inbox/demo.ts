import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import Conversation from '#inbox/models/conversation'
import Tag from '#contacts/models/tag'
import { recordInboundMessage } from '#inbox/actions/record_inbound_message'
import { assignConversation } from '#inbox/actions/assign_conversation'
import { tagConversations } from '#inbox/actions/tag_conversations'
import { addNote } from '#inbox/actions/add_note'

const CUSTOMERS = [
  {
    id: 'demo-1',
    name: 'Maria Lopez',
    text: 'Hi! Is my order #1042 on its way?',
    assign: 'agent',
    tag: 'VIP',
  },
  {
    id: 'demo-2',
    name: 'Rahul Verma',
    text: 'Do you deliver to Pune on Sundays?',
    assign: 'agent',
    tag: null,
  },
  {
    id: 'demo-3',
    name: 'Amira Haddad',
    text: 'مرحبا، هل المتجر مفتوح اليوم؟',
    assign: null,
    tag: 'Support',
  },
  {
    id: 'demo-4',
    name: 'Tom Becker',
    text: 'The invoice shows the wrong address.',
    assign: null,
    tag: 'Complaint',
  },
] as const

/**
 * A few sandbox conversations for the demo workspace (parley:demo), so the
 * inbox has something to show: two assigned to the demo agent, two
 * waiting unassigned, tags and one internal note. Runs in the demo
 * workspace's tenant context; does nothing when it already has conversations.
 */
export async function seedDemoInbox(users: { agentId: number; ownerId: number }) {
  if (await Conversation.query().first()) return 0
  const channel = await Channel.query().where('driver', 'sandbox').orderBy('id').firstOrFail()
  let created = 0
  for (const [index, customer] of CUSTOMERS.entries()) {
    const { message } = await recordInboundMessage(channel, {
      kind: 'message',
      wabaId: null,
      phoneNumberId: channel.phoneNumberId ?? `sandbox:${channel.publicId}`,
      displayPhoneNumber: channel.displayPhoneNumber,
      contact: { waId: null, bsuid: `sandbox:${customer.id}`, profileName: customer.name },
      providerMessageId: `sandbox.demo.${customer.id}`,
      type: 'text',
      timestamp: Math.floor(
        DateTime.now()
          .minus({ minutes: 40 - index * 9 })
          .toSeconds()
      ),
      body: customer.text,
      replyTo: null,
      media: null,
      payload: { text: { body: customer.text } },
    })
    const conversation = await Conversation.findOrFail(message.conversationId)
    if (customer.assign === 'agent') {
      await assignConversation({
        conversation,
        toUserId: users.agentId,
        actorId: users.ownerId,
        reason: 'manual',
      })
    }
    if (customer.tag) {
      const tag = await Tag.query().where('name', customer.tag).first()
      if (tag) await tagConversations([conversation.id], [tag.id], users.ownerId)
    }
    if (index === 0) {
      await addNote({
        conversation,
        authorId: users.ownerId,
        text: 'Long-time customer: check the courier before answering.',
        mentions: [],
      })
    }
    created++
  }
  return created
}
