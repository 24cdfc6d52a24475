/**
 * Recipients of outbound messages: an E.164 phone number or a
 * business-scoped user id (BSUID, `US.1349…`, reference §1.12).
 */

/**
 * `to` with a leading '+' when it is a phone number (digits, optionally
 * written with spaces, dashes, dots or parentheses): without the '+' Meta
 * prefixes the business number's country code. Business-scoped user ids and
 * anything else are returned untouched (trimmed).
 */
export function normalizeRecipient(to: string): string {
  const trimmed = to.trim()
  if (/^\+?[\d\s().-]+$/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '')
    if (digits.length > 0) return `+${digits}`
  }
  return trimmed
}

/** The WhatsApp id (digits) of a normalized phone recipient, else null. */
export function waIdOf(normalizedTo: string): string | null {
  return /^\+\d+$/.test(normalizedTo) ? normalizedTo.slice(1) : null
}
