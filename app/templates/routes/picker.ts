/*
| Templates: the inbox composer's template picker (list and send).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const PickerController = () => import('#templates/controllers/picker_controller')

router
  .group(() => {
    router
      .get('/inbox/conversations/:conversation/templates', [PickerController, 'index'])
      .as('inbox.templates')
    router
      .post('/inbox/conversations/:conversation/templates', [PickerController, 'send'])
      .as('inbox.templates.send')
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
