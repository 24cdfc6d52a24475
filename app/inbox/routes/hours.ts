import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const BusinessHoursController = () => import('#inbox/controllers/business_hours_controller')

router
  .group(() => {
    router.get('/settings/hours', [BusinessHoursController, 'show']).as('settings.hours')
    router.put('/settings/hours', [BusinessHoursController, 'update'])
    router.put('/settings/hours/general', [BusinessHoursController, 'updateGeneral'])
    router
      .get('/settings/hours/channels/:channel', [BusinessHoursController, 'show'])
      .as('settings.hours.channel')
    router.put('/settings/hours/channels/:channel', [BusinessHoursController, 'update'])
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
