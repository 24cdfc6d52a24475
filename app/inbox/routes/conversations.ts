import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ConversationsController = () => import('#inbox/controllers/conversations_controller')
const MessagesController = () => import('#inbox/controllers/messages_controller')
const BulkController = () => import('#inbox/controllers/bulk_controller')
const SavedFiltersController = () => import('#inbox/controllers/saved_filters_controller')

router
  .group(() => {
    router.get('/inbox', [ConversationsController, 'index']).as('inbox.index')
    router.get('/inbox/c/:conversation', [ConversationsController, 'index']).as('inbox.open')
    router.get('/inbox/conversations', [ConversationsController, 'list']).as('inbox.list')
    router.get('/inbox/counts', [ConversationsController, 'counts']).as('inbox.counts')
    router
      .get('/inbox/conversations/:conversation', [ConversationsController, 'show'])
      .as('inbox.conversation')
    router.put('/inbox/conversations/:conversation/status', [ConversationsController, 'status'])
    router.put('/inbox/conversations/:conversation/priority', [ConversationsController, 'priority'])
    router.put('/inbox/conversations/:conversation/tags', [ConversationsController, 'tags'])
    router.post('/inbox/conversations/:conversation/read', [ConversationsController, 'read'])
    router.post('/inbox/conversations/:conversation/typing', [ConversationsController, 'typing'])

    router
      .get('/inbox/conversations/:conversation/messages', [MessagesController, 'index'])
      .as('inbox.thread')
    router.post('/inbox/conversations/:conversation/messages', [MessagesController, 'store'])
    router.post('/inbox/conversations/:conversation/notes', [MessagesController, 'note'])
    router.get('/inbox/media/:message', [MessagesController, 'media']).as('inbox.media')

    router.post('/inbox/bulk', [BulkController]).as('inbox.bulk')

    router.get('/inbox/filters', [SavedFiltersController, 'index']).as('inbox.filters')
    router.post('/inbox/filters', [SavedFiltersController, 'store'])
    router.delete('/inbox/filters/:filter', [SavedFiltersController, 'destroy'])
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
