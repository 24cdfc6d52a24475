import Contact from '#contacts/models/contact'

export type DuplicateReason = 'email' | 'name_country' | 'whatsapp_phone'

export type DuplicateCandidate = {
  id: string
  displayName: string
  phone: string | null
  email: string | null
  country: string | null
  reasons: DuplicateReason[]
  createdAt: string
}

/**
 * Possible duplicates of a contact in its workspace. Phones are unique,
 * so the signals are: the same email, the same name in the same country,
 * and a WhatsApp id whose digits are the other contact's phone (a contact
 * created from WhatsApp and the same person typed or imported by phone).
 * Each probe is an index lookup that starts with `workspace_id`.
 */
export async function findDuplicates(contact: Contact, limit = 10): Promise<DuplicateCandidate[]> {
  const found = new Map<number, { contact: Contact; reasons: Set<DuplicateReason> }>()
  const add = (rows: Contact[], reason: DuplicateReason) => {
    for (const row of rows) {
      if (row.id === contact.id) continue
      const entry = found.get(row.id) ?? { contact: row, reasons: new Set<DuplicateReason>() }
      entry.reasons.add(reason)
      found.set(row.id, entry)
    }
  }
  const base = () => Contact.query().whereNot('id', contact.id).whereNull('erased_at').limit(limit)

  if (contact.email) {
    const email = contact.email.trim()
    add(await base().whereIn('email', [...new Set([email, email.toLowerCase()])]), 'email')
  }
  if (contact.name && contact.country) {
    add(await base().where('name', contact.name).where('country', contact.country), 'name_country')
  }
  if (contact.waId && /^\d{6,15}$/.test(contact.waId)) {
    add(await base().where('phone', `+${contact.waId}`), 'whatsapp_phone')
  }
  if (contact.phone) {
    add(await base().where('wa_id', contact.phone.replace(/^\+/, '')), 'whatsapp_phone')
  }

  return [...found.values()].slice(0, limit).map(({ contact: row, reasons }) => ({
    id: row.publicId,
    displayName: row.displayName,
    phone: row.phone,
    email: row.email,
    country: row.country,
    reasons: [...reasons],
    createdAt: row.createdAt.toISO()!,
  }))
}
