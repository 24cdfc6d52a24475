import type { MessageEvent } from '#inbox/events'
import { attributeReply } from '#campaigns/dispatch/status'

/** `inbox:message_received` → reply attribution to the contact's latest campaign send. */
export async function attributeCampaignReply(event: MessageEvent) {
  await attributeReply(event)
}
