import type { HttpContext } from '@adonisjs/core/http'
import Contact from '#contacts/models/contact'
import ContactNote from '#contacts/models/contact_note'
import { contactNoteValidator } from '#contacts/validators/contact'
import {
  addContactNote,
  deleteContactNote,
  editContactNote,
} from '#contacts/actions/manage_contact_notes'

function noteRow(note: ContactNote) {
  return {
    id: note.publicId,
    body: note.body,
    createdAt: note.createdAt.toISO(),
    updatedAt: note.updatedAt.toISO(),
  }
}

/**
 * Notes on a contact (contacts.view): anyone who sees the contact adds
 * notes; only the author edits or deletes one (others get 403).
 */
export default class ContactNotesController {
  private async noteOf(params: Record<string, string>) {
    const contact = await Contact.findByOrFail('public_id', params.contact)
    return ContactNote.query()
      .where('public_id', params.note)
      .where('contact_id', contact.id)
      .firstOrFail()
  }

  async store({ params, request, bouncer, response, auth }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    const { body } = await request.validateUsing(contactNoteValidator)
    const note = await addContactNote(contact, auth.user!.id, body)
    if (request.accepts(['html', 'json']) === 'json' && !request.header('x-inertia')) {
      return response.created(noteRow(note))
    }
    return response.redirect().back()
  }

  async update({ params, request, bouncer, response, auth }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const note = await this.noteOf(params)
    if (note.authorId !== auth.user!.id)
      return response.forbidden({ errors: [{ message: 'Forbidden' }] })
    const { body } = await request.validateUsing(contactNoteValidator)
    await editContactNote(note, body)
    if (request.accepts(['html', 'json']) === 'json' && !request.header('x-inertia')) {
      return noteRow(note)
    }
    return response.redirect().back()
  }

  async destroy({ params, request, bouncer, response, auth }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const note = await this.noteOf(params)
    if (note.authorId !== auth.user!.id)
      return response.forbidden({ errors: [{ message: 'Forbidden' }] })
    await deleteContactNote(note)
    if (request.accepts(['html', 'json']) === 'json' && !request.header('x-inertia')) {
      return response.noContent()
    }
    return response.redirect().back()
  }
}
