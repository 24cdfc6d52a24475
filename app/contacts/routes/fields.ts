/*
| Contacts: custom fields (Settings → Custom fields, and the pickers' list).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const CustomFieldsController = () => import('#contacts/controllers/custom_fields_controller')

router
  .group(() => {
    router.get('/settings/fields', [CustomFieldsController, 'index']).as('settings.fields')
    router.post('/settings/fields', [CustomFieldsController, 'store']).as('settings.fields.store')
    router
      .post('/settings/fields/reorder', [CustomFieldsController, 'reorder'])
      .as('settings.fields.reorder')
    router
      .put('/settings/fields/:field', [CustomFieldsController, 'update'])
      .as('settings.fields.update')
    router
      .delete('/settings/fields/:field', [CustomFieldsController, 'destroy'])
      .as('settings.fields.destroy')
    router.get('/contacts/fields', [CustomFieldsController, 'picker']).as('contacts.fields')
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
