/*
| Core event listeners. Plugins add theirs through the SDK (ctx.events).
*/
import emitter from '@adonisjs/core/services/emitter'
import { queueInboxPush } from '#inbox/listeners/push_to_inbox'

emitter.on('inbox:message_received', (event) => queueInboxPush('message.received', event))
emitter.on('inbox:message_queued', (event) => queueInboxPush('message.queued', event))
emitter.on('inbox:message_status', (event) => queueInboxPush('message.status', event))
