/*
| Core event listeners. Plugins add theirs through the SDK (ctx.events).
*/
import emitter from '@adonisjs/core/services/emitter'
import {
  queueInboxPush,
  queueReceivedPushes,
  pushConversationAssigned,
  pushConversationTagged,
  pushConversationUpdated,
  pushNoteAdded,
} from '#inbox/listeners/push_to_inbox'
import {
  handleConsentKeywords,
  handleMarketingStopped,
} from '#inbox/listeners/consent_from_messages'
import {
  drainOnStatusChange,
  routeOnMessagesReceived,
  unassignOnMemberRemoved,
} from '#inbox/listeners/route_conversation'
import { handleAutoReplies } from '#inbox/listeners/auto_replies'
import { attributeCampaignReplies } from '#campaigns/listeners/campaign_replies'

emitter.on('inbox:message_queued', (event) => queueInboxPush('message.queued', event))
emitter.on('inbox:message_status', (event) => queueInboxPush('message.status', event))
emitter.on('inbox:conversation_updated', pushConversationUpdated)
emitter.on('inbox:conversation_assigned', pushConversationAssigned)
emitter.on('inbox:conversation_tagged', pushConversationTagged)
emitter.on('inbox:note_added', pushNoteAdded)
emitter.on('inbox:message_status', handleMarketingStopped)
// Inbound messages: each listener takes the whole batch (app/inbox/events.ts).
emitter.on('inbox:messages_received', queueReceivedPushes)
emitter.on('inbox:messages_received', handleConsentKeywords)
emitter.on('inbox:messages_received', handleAutoReplies)
emitter.on('inbox:messages_received', routeOnMessagesReceived)
emitter.on('inbox:messages_received', attributeCampaignReplies)
emitter.on('workspace:member_removed', unassignOnMemberRemoved)
emitter.on('inbox:conversation_updated', drainOnStatusChange)
