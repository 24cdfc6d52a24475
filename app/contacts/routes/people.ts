/*
| Contacts: the list, the contact page, notes, bulk actions and merges
| (/w/:workspace/contacts...).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
// Registers the `contacts` plan usage counter at boot.
import '#contacts/actions/save_contact'

const ContactsController = () => import('#contacts/controllers/contacts_controller')
const ContactNotesController = () => import('#contacts/controllers/contact_notes_controller')

/**
 * `:contact` only matches a public id (ULID), so the other areas'
 * static paths (/contacts/segments, /contacts/imports…) never fall into
 * the contact page whatever the order routes are registered in.
 */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

router
  .group(() => {
    router.get('/contacts', [ContactsController, 'index']).as('contacts.index')
    router.post('/contacts', [ContactsController, 'store']).as('contacts.store')
    router.post('/contacts/bulk', [ContactsController, 'bulk']).as('contacts.bulk')
    router
      .get('/contacts/bulk/:bulk', [ContactsController, 'bulkProgress'])
      .where('bulk', ULID)
      .as('contacts.bulk.progress')

    router
      .group(() => {
        router.get('/contacts/:contact', [ContactsController, 'show']).as('contacts.show')
        router.put('/contacts/:contact', [ContactsController, 'update']).as('contacts.update')
        router.delete('/contacts/:contact', [ContactsController, 'destroy']).as('contacts.destroy')
        router
          .get('/contacts/:contact/timeline', [ContactsController, 'timeline'])
          .as('contacts.timeline')
        router
          .post('/contacts/:contact/tags', [ContactsController, 'addTag'])
          .as('contacts.tags.add')
        router
          .delete('/contacts/:contact/tags/:tag', [ContactsController, 'removeTag'])
          .as('contacts.tags.remove')
        router
          .post('/contacts/:contact/consent', [ContactsController, 'consent'])
          .as('contacts.consent')
        router.post('/contacts/:contact/merge', [ContactsController, 'merge']).as('contacts.merge')
        router
          .post('/contacts/:contact/notes', [ContactNotesController, 'store'])
          .as('contacts.notes.store')
        router
          .put('/contacts/:contact/notes/:note', [ContactNotesController, 'update'])
          .as('contacts.notes.update')
        router
          .delete('/contacts/:contact/notes/:note', [ContactNotesController, 'destroy'])
          .as('contacts.notes.destroy')
      })
      .where('contact', ULID)
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
