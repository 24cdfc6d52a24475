import { DateTime } from 'luxon'
import Contact from '#contacts/models/contact'
import CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import ContactTag from '#contacts/models/contact_tag'
import { createCustomField } from '#contacts/actions/manage_custom_fields'
import { writeFieldValues, type FieldWrite } from '#contacts/services/custom_fields'
import { recordConsent } from '#contacts/services/consent'
import type { SegmentGroup } from '#contacts/segments/types'

const FIRST = ['Asha', 'Ravi', 'Meera', 'Omar', 'Lena', 'Jonas', 'Sara', 'Kenji', 'Ada', 'Noor']
const LAST = ['Patel', 'Khan', 'Silva', 'Schmidt', 'Garcia', 'Ito', 'Rossi', 'Nair', 'Haddad']
const PLANS = ['Free', 'Silver', 'Gold']

const SEGMENTS: { name: string; description: string; definition: SegmentGroup }[] = [
  {
    name: 'Gold customers with 5+ orders',
    description: 'Plan is Gold and more than five orders',
    definition: {
      type: 'group',
      match: 'all',
      conditions: [
        { type: 'custom_field', key: 'plan', op: 'eq', value: 'Gold' },
        { type: 'custom_field', key: 'orders', op: 'gt', value: 5 },
      ],
    },
  },
  {
    name: 'Newsletter, not VIP',
    description: 'Reached by marketing and not tagged VIP',
    definition: {
      type: 'group',
      match: 'all',
      conditions: [
        { type: 'consent', scope: 'marketing', state: 'opted_in' },
        { type: 'tag', op: 'has', tag: 'VIP', negate: true },
      ],
    },
  },
]

/**
 * Contacts for the demo workspace (parley:demo): four custom fields,
 * thirty people with values, tags and marketing opt-ins, and two saved
 * segments, so the contacts pages and the segment builder have something
 * to show. Runs in the demo workspace's tenant context; does nothing when
 * the workspace already has custom fields.
 */
export async function seedDemoContacts(ownerId: number) {
  if (await CustomField.query().first()) return 0
  const plan = await createCustomField({
    key: 'plan',
    label: 'Plan',
    type: 'dropdown',
    options: PLANS,
  })
  const orders = await createCustomField({ key: 'orders', label: 'Orders', type: 'number' })
  const birthday = await createCustomField({ key: 'birthday', label: 'Birthday', type: 'date' })
  const wholesale = await createCustomField({
    key: 'wholesale',
    label: 'Wholesale',
    type: 'checkbox',
  })
  const vip = await Tag.query().where('name', 'VIP').first()

  const writes: FieldWrite[] = []
  for (let index = 0; index < 30; index++) {
    const contact = await Contact.create({
      phone: `+49151${20_000_000 + index * 7919}`,
      name: `${FIRST[index % FIRST.length]} ${LAST[index % LAST.length]}`,
      email: index % 3 ? null : `customer${index + 1}@example.test`,
      country: 'DE',
      locale: index % 4 ? 'de' : 'en',
      source: index % 2 ? 'import' : 'manual',
      messagesIn: (index * 7) % 23,
      lastInboundAt: DateTime.now().minus({ days: (index * 5) % 60 }),
    })
    writes.push(
      { contactId: contact.id, field: plan, value: PLANS[index % PLANS.length] },
      { contactId: contact.id, field: orders, value: (index * 3) % 17 },
      {
        contactId: contact.id,
        field: birthday,
        value: `19${70 + (index % 30)}-0${1 + (index % 9)}-1${index % 9}`,
      },
      { contactId: contact.id, field: wholesale, value: index % 5 === 0 }
    )
    if (vip && index % 6 === 0) await ContactTag.create({ contactId: contact.id, tagId: vip.id })
    if (index % 3 !== 1) {
      await recordConsent({
        contactId: contact.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'form',
        proof: { text: 'Signed up on the website' },
      })
    }
  }
  await writeFieldValues(writes)
  for (const segment of SEGMENTS) await Segment.create({ ...segment, createdBy: ownerId })
  return 30
}
