/*
| Contacts: segments routes (/w/:workspace/...).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const SegmentsController = () => import('#contacts/controllers/segments_controller')

router
  .group(() => {
    router.get('/contacts/segments', [SegmentsController, 'index']).as('contacts.segments.index')
    router
      .get('/contacts/segments/new', [SegmentsController, 'create'])
      .as('contacts.segments.create')
    router
      .post('/contacts/segments/count', [SegmentsController, 'count'])
      .as('contacts.segments.count')
    router.post('/contacts/segments', [SegmentsController, 'store']).as('contacts.segments.store')
    router
      .get('/contacts/segments/:segment', [SegmentsController, 'show'])
      .as('contacts.segments.show')
    router
      .get('/contacts/segments/:segment/members', [SegmentsController, 'members'])
      .as('contacts.segments.members')
    router
      .put('/contacts/segments/:segment', [SegmentsController, 'update'])
      .as('contacts.segments.update')
    router
      .delete('/contacts/segments/:segment', [SegmentsController, 'destroy'])
      .as('contacts.segments.destroy')
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
