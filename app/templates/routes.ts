/*
| Templates module routes (tenant panel): /w/:workspace/templates/...
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
// The inbox composer's template picker (helper P's routes).
import './routes/picker.js'

const TemplatesController = () => import('#templates/controllers/templates_controller')

router
  .group(() => {
    router.get('/templates', [TemplatesController, 'index']).as('templates.index')
    router.get('/templates/new', [TemplatesController, 'create']).as('templates.create')
    router.post('/templates', [TemplatesController, 'store']).as('templates.store')
    router.post('/templates/sync', [TemplatesController, 'sync']).as('templates.sync')
    router.post('/templates/uploads', [TemplatesController, 'upload']).as('templates.upload')
    router.get('/templates/:template', [TemplatesController, 'show']).as('templates.show')
    router.get('/templates/:template/edit', [TemplatesController, 'edit']).as('templates.edit')
    router.put('/templates/:template', [TemplatesController, 'update']).as('templates.update')
    router
      .post('/templates/:template/submit', [TemplatesController, 'submit'])
      .as('templates.submit')
    router.delete('/templates/:template', [TemplatesController, 'destroy']).as('templates.destroy')
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
