/*
| Contacts module routes (tenant panel), one file per area.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import './routes/people.js'
import './routes/fields.js'
import './routes/segments.js'
import './routes/imports.js'
import './routes/exports.js'

const ConsentSettingsController = () => import('#contacts/controllers/consent_settings_controller')

router
  .group(() => {
    router.get('/settings/consent', [ConsentSettingsController, 'show']).as('settings.consent')
    router.put('/settings/consent', [ConsentSettingsController, 'update'])
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
