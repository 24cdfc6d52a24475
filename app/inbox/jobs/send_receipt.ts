import Message from '#inbox/models/message'
import Channel from '#channels/models/channel'
import { channelDrivers } from '#channels/registry'

/**
 * `inbox.receipt`: a read receipt or typing indicator for an inbound
 * message, through the channel's driver (Meta: one Graph call; sandbox:
 * recorded in its outbox). Best effort: a typing indicator is not retried.
 */
export async function sendReceipt(payload: { messageId: number; kind: 'read' | 'typing' }) {
  const message = await Message.find(payload.messageId)
  if (!message || message.direction !== 'in' || !message.providerMessageId) return
  const channel = await Channel.find(message.channelId)
  if (!channel) return
  const driver = channelDrivers.get(channel.driver)
  if (payload.kind === 'read') {
    await driver.markRead(channel.credentials(), message.providerMessageId)
  } else {
    await driver.typing(channel.credentials(), message.providerMessageId)
  }
}
