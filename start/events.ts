/*
| Core event listeners. Plugins add theirs through the SDK (ctx.events).
*/
import emitter from '@adonisjs/core/services/emitter'
import {
  queueInboxPush,
  pushConversationAssigned,
  pushConversationTagged,
  pushConversationUpdated,
  pushNoteAdded,
} from '#inbox/listeners/push_to_inbox'
import {
  handleConsentKeyword,
  handleMarketingStopped,
} from '#inbox/listeners/consent_from_messages'
import {
  drainOnStatusChange,
  routeOnMessageReceived,
  unassignOnMemberRemoved,
} from '#inbox/listeners/route_conversation'
import { handleAutoReplies } from '#inbox/listeners/auto_replies'
import { attributeCampaignReply } from '#campaigns/listeners/campaign_replies'

emitter.on('inbox:message_received', (event) => queueInboxPush('message.received', event))
emitter.on('inbox:message_queued', (event) => queueInboxPush('message.queued', event))
emitter.on('inbox:message_status', (event) => queueInboxPush('message.status', event))
emitter.on('inbox:conversation_updated', pushConversationUpdated)
emitter.on('inbox:conversation_assigned', pushConversationAssigned)
emitter.on('inbox:conversation_tagged', pushConversationTagged)
emitter.on('inbox:note_added', pushNoteAdded)
emitter.on('inbox:message_received', handleConsentKeyword)
emitter.on('inbox:message_status', handleMarketingStopped)
emitter.on('inbox:message_received', handleAutoReplies)
emitter.on('inbox:message_received', routeOnMessageReceived)
emitter.on('inbox:message_received', attributeCampaignReply)
emitter.on('workspace:member_removed', unassignOnMemberRemoved)
emitter.on('inbox:conversation_updated', drainOnStatusChange)
