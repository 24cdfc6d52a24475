import type { MessagesReceivedEvent } from '#inbox/events'
import { attributeReplies } from '#campaigns/dispatch/status'

/** `inbox:messages_received` → reply attribution to each contact's latest campaign send. */
export async function attributeCampaignReplies(event: MessagesReceivedEvent) {
  await attributeReplies(event)
}
