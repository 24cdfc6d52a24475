/*
| Tags, saved replies and scheduled messages (issue 5 §4).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const TagsController = () => import('#inbox/controllers/tags_controller')
const SavedRepliesController = () => import('#inbox/controllers/saved_replies_controller')
const ScheduledMessagesController = () => import('#inbox/controllers/scheduled_messages_controller')

router
  .group(() => {
    // Tags: settings page (settings.workspace) and the pickers' list (inbox.view).
    router.get('/settings/tags', [TagsController, 'index']).as('settings.tags')
    router.post('/settings/tags', [TagsController, 'store']).as('settings.tags.store')
    router.put('/settings/tags/:tag', [TagsController, 'update']).as('settings.tags.update')
    router.delete('/settings/tags/:tag', [TagsController, 'destroy']).as('settings.tags.destroy')
    router.get('/inbox/tags', [TagsController, 'picker']).as('inbox.tags')

    // Saved replies: settings page and the composer's `/` search.
    router.get('/settings/replies', [SavedRepliesController, 'index']).as('settings.replies')
    router.post('/settings/replies', [SavedRepliesController, 'store']).as('settings.replies.store')
    router
      .put('/settings/replies/:reply', [SavedRepliesController, 'update'])
      .as('settings.replies.update')
    router
      .delete('/settings/replies/:reply', [SavedRepliesController, 'destroy'])
      .as('settings.replies.destroy')
    router.get('/inbox/replies', [SavedRepliesController, 'search']).as('inbox.replies.search')
    router
      .post('/inbox/replies/:reply/used', [SavedRepliesController, 'used'])
      .as('inbox.replies.used')

    // Scheduled messages of a conversation.
    router
      .get('/inbox/conversations/:conversation/scheduled', [ScheduledMessagesController, 'index'])
      .as('inbox.scheduled.index')
    router
      .post('/inbox/conversations/:conversation/scheduled', [ScheduledMessagesController, 'store'])
      .as('inbox.scheduled.store')
    router
      .put('/inbox/scheduled/:scheduled', [ScheduledMessagesController, 'update'])
      .as('inbox.scheduled.update')
    router
      .delete('/inbox/scheduled/:scheduled', [ScheduledMessagesController, 'destroy'])
      .as('inbox.scheduled.destroy')
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
