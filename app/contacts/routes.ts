/*
| Contacts module routes (tenant panel).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ConsentSettingsController = () => import('#contacts/controllers/consent_settings_controller')

router
  .group(() => {
    router.get('/settings/consent', [ConsentSettingsController, 'show']).as('settings.consent')
    router.put('/settings/consent', [ConsentSettingsController, 'update'])
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
