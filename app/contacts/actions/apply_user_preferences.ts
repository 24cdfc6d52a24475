import { DateTime } from 'luxon'
import Contact from '#contacts/models/contact'
import { recordConsent } from '#contacts/services/consent'
import { phoneOfWaId } from '#contacts/services/phone'
import { isUniqueViolation } from '#core/helpers/db_errors'

export type UserPreference = {
  wa_id?: unknown
  category?: unknown
  value?: unknown
  detail?: unknown
  timestamp?: unknown
}

async function contactOf(waId: string): Promise<Contact> {
  const existing = await Contact.query().where('wa_id', waId).first()
  if (existing) return existing
  try {
    return await Contact.create({ waId, phone: phoneOfWaId(waId) })
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    return Contact.query().where('wa_id', waId).firstOrFail()
  }
}

/**
 * Meta's `user_preferences` webhook (reference §1.11): the customer
 * stopped or resumed marketing messages from this business in WhatsApp.
 * Each `marketing_messages` entry becomes a marketing opt-out (`stop`) or
 * opt-in (`resume`) with source `meta_user_preferences`, for the contact
 * with that wa_id in the current workspace (created when unknown). A
 * redelivered notice records nothing new. Returns the events recorded.
 */
export async function applyUserPreferences(preferences: UserPreference[]): Promise<number> {
  let recorded = 0
  for (const preference of preferences) {
    const waId = String(preference.wa_id ?? '').replace(/\D/g, '')
    const value = String(preference.value ?? '')
    if (!waId || preference.category !== 'marketing_messages') continue
    if (value !== 'stop' && value !== 'resume') continue
    const seconds = Number(preference.timestamp)
    const occurredAt =
      Number.isFinite(seconds) && seconds > 0 ? DateTime.fromSeconds(seconds) : DateTime.now()
    const contact = await contactOf(waId)
    const event = await recordConsent({
      contactId: contact.id,
      event: value === 'stop' ? 'opt_out' : 'opt_in',
      scope: 'marketing',
      source: 'meta_user_preferences',
      proof: { text: typeof preference.detail === 'string' ? preference.detail : null },
      occurredAt,
      dedupeKey: `meta_user_preferences:${waId}:${value}:${occurredAt.toUnixInteger()}`,
    })
    if (event) recorded++
  }
  return recorded
}
