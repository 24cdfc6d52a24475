import { tenancy } from '#core/tenancy/context'
import Contact from '#contacts/models/contact'
import CustomField from '#contacts/models/custom_field'
import ContactNote from '#contacts/models/contact_note'
import Segment from '#contacts/models/segment'
import ContactImport from '#contacts/models/contact_import'
import ContactBulkAction from '#contacts/models/contact_bulk_action'
import ContactExport from '#contacts/models/contact_export'

/**
 * Workspace A's contacts-module records, one per route parameter
 * (`:contact`, `:field`, `:note`, `:segment`, `:import`, `:export`), for
 * the cross-tenant sweep. A new contacts route with a new parameter name
 * adds its fixture here.
 */
export async function contactsParamsOf(workspaceId: number, ownerId: number) {
  return tenancy.run(workspaceId, async () => {
    const contact = await Contact.create({
      phone: '+919800000077',
      name: 'Sweep Contact',
      source: 'manual',
    })
    const field = await CustomField.create({
      key: 'sweep_plan',
      label: 'Plan',
      type: 'dropdown',
      options: ['gold', 'silver'],
      required: false,
      position: 0,
    })
    const note = await ContactNote.create({ contactId: contact.id, authorId: ownerId, body: 'VIP' })
    const segment = await Segment.create({
      name: 'Sweep segment',
      definition: { type: 'group', match: 'all', conditions: [] },
      createdBy: ownerId,
    })
    const upload = await ContactImport.create({
      userId: ownerId,
      fileName: 'sweep.csv',
      filePath: `${workspaceId}/sweep.csv`,
      format: 'csv',
      fileSize: 10,
      status: 'completed',
    })
    const download = await ContactExport.create({
      userId: ownerId,
      kind: 'csv',
      params: {},
      status: 'completed',
    })
    const bulk = await ContactBulkAction.create({
      userId: ownerId,
      action: 'tag',
      params: { definition: { type: 'group', match: 'all', conditions: [] }, tag: 'vip' },
      status: 'completed',
      total: 1,
      processed: 1,
      affected: 1,
    })
    return {
      bulk: bulk.publicId,
      contact: contact.publicId,
      field: field.publicId,
      note: note.publicId,
      segment: segment.publicId,
      import: upload.publicId,
      export: download.publicId,
    }
  })
}
