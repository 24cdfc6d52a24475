/*
| Contacts: exports and privacy routes (/w/:workspace/...), issue 6 §4 and §6.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ExportsController = () => import('#contacts/controllers/exports_controller')
const PrivacyController = () => import('#contacts/controllers/privacy_controller')

router
  .group(() => {
    router.get('/contacts/exports', [ExportsController, 'index']).as('contacts.exports')
    router.post('/contacts/exports', [ExportsController, 'store']).as('contacts.exports.store')
    router.get('/contacts/exports/:export', [ExportsController, 'show']).as('contacts.exports.show')
    // Signed, expiring link (see app/contacts/services/export_files.ts).
    router
      .get('/contacts/exports/:export/download', [ExportsController, 'download'])
      .as('contacts.exports.download')

    router
      .post('/contacts/:contact/privacy/export', [PrivacyController, 'exportContact'])
      .as('contacts.privacy.export')
    router
      .post('/contacts/:contact/privacy/erase', [PrivacyController, 'erase'])
      .as('contacts.privacy.erase')

    router.get('/settings/privacy', [PrivacyController, 'settings']).as('settings.privacy')
    router
      .post('/settings/privacy/export', [PrivacyController, 'exportWorkspace'])
      .as('settings.privacy.export')
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
