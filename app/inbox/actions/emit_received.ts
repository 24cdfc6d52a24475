import emitter from '@adonisjs/core/services/emitter'
import { holdingInboxPushes } from '#inbox/listeners/push_to_inbox'
import type { ReceivedMessage } from '#inbox/events'

/**
 * Announces inbound messages once they are committed: one
 * `inbox:messages_received` for the batch (core listeners), then
 * `inbox:message_received` per message (plugins and anything that wants
 * one message at a time), with the workspace's browser pushes held
 * together so the batch reaches browsers as one push.
 */
export async function emitReceived(workspaceId: number, messages: ReceivedMessage[]) {
  if (!messages.length) return
  await holdingInboxPushes(workspaceId, async () => {
    await emitter.emit('inbox:messages_received', { workspaceId, messages })
    for (const message of messages) {
      await emitter.emit('inbox:message_received', {
        workspaceId,
        conversationId: message.conversationId,
        messageId: message.messageId,
        type: message.type,
        body: message.body,
      })
    }
  })
}
