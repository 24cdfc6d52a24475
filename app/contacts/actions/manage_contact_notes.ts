import ContactNote from '#contacts/models/contact_note'
import type Contact from '#contacts/models/contact'

/**
 * Notes on a contact. Anyone with contacts.view adds notes; only the
 * author edits or deletes one (the controller checks authorship).
 */
export async function addContactNote(contact: Contact, authorId: number, body: string) {
  return ContactNote.create({ contactId: contact.id, authorId, body: body.trim() })
}

export async function editContactNote(note: ContactNote, body: string) {
  note.body = body.trim()
  await note.save()
  return note
}

export async function deleteContactNote(note: ContactNote) {
  await note.delete()
}
