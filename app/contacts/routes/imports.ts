/*
| Contacts: imports routes (/w/:workspace/...), issue 6 §3.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ImportsController = () => import('#contacts/controllers/imports_controller')

router
  .group(() => {
    router.get('/contacts/imports', [ImportsController, 'index']).as('contacts.imports')
    router.post('/contacts/imports', [ImportsController, 'store']).as('contacts.imports.store')
    router.get('/contacts/imports/:import', [ImportsController, 'show']).as('contacts.imports.show')
    router
      .post('/contacts/imports/:import/preview', [ImportsController, 'preview'])
      .as('contacts.imports.preview')
    router
      .post('/contacts/imports/:import/start', [ImportsController, 'start'])
      .as('contacts.imports.start')
    router
      .post('/contacts/imports/:import/cancel', [ImportsController, 'cancel'])
      .as('contacts.imports.cancel')
    router
      .get('/contacts/imports/:import/errors.csv', [ImportsController, 'errors'])
      .as('contacts.imports.errors')
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
