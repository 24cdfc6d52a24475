import { parsePhoneNumberWithError, ParseError, type CountryCode } from 'libphonenumber-js'

export type PhoneRejection =
  'empty' | 'not_a_number' | 'invalid_country' | 'too_short' | 'too_long' | 'invalid'

export type NormalizedPhone =
  | { ok: true; e164: string; country: string | null }
  | { ok: false; e164: null; reason: PhoneRejection }

/**
 * The one way a phone number enters Parley: parsed with libphonenumber-js
 * and returned in E.164 (`+33612345678`), or refused with a reason code
 * that imports write to their error report and the API returns.
 *
 * - `defaultCountry` (ISO 3166 alpha-2, the workspace's
 *   `default_country`) is used for national numbers (`06 12 34 56 78`);
 *   numbers with `+` or `00` do not need it.
 * - `strictness: 'valid'` (default) checks the number against the
 *   numbering plan; `'possible'` only checks its length, for numbers
 *   that WhatsApp itself vouches for (a `wa_id`), whose ranges the
 *   bundled metadata may not know yet.
 */
export function normalizePhone(
  input: string | null | undefined,
  defaultCountry?: string | null,
  options: { strictness?: 'valid' | 'possible' } = {}
): NormalizedPhone {
  const raw = String(input ?? '').trim()
  if (!raw) return { ok: false, e164: null, reason: 'empty' }
  const text = raw.startsWith('00') ? `+${raw.slice(2)}` : raw
  const country = defaultCountry ? (defaultCountry.toUpperCase() as CountryCode) : undefined
  try {
    const parsed = parsePhoneNumberWithError(text, country)
    const acceptable = options.strictness === 'possible' ? parsed.isPossible() : parsed.isValid()
    if (!acceptable) {
      const length = parsed.nationalNumber.length
      const reason: PhoneRejection = length < 4 ? 'too_short' : length > 15 ? 'too_long' : 'invalid'
      return { ok: false, e164: null, reason }
    }
    return { ok: true, e164: parsed.number, country: parsed.country ?? null }
  } catch (error) {
    if (error instanceof ParseError) {
      const reason = (
        {
          NOT_A_NUMBER: 'not_a_number',
          INVALID_COUNTRY: 'invalid_country',
          TOO_SHORT: 'too_short',
          TOO_LONG: 'too_long',
        } as Record<string, PhoneRejection>
      )[error.message]
      return { ok: false, e164: null, reason: reason ?? 'invalid' }
    }
    throw error
  }
}

/** phoneOfWaId's results, per WhatsApp id (bounded: cleared at 10,000). */
const phonesOfWaIds = new Map<string, string | null>()

/**
 * The phone of a WhatsApp id (international digits, no `+`): E.164 when
 * it is a possible number, else null (the contact keeps its wa_id).
 */
export function phoneOfWaId(waId: string | null | undefined): string | null {
  if (!waId || !/^\d{6,15}$/.test(waId)) return null
  const known = phonesOfWaIds.get(waId)
  if (known !== undefined) return known
  const result = normalizePhone(`+${waId}`, null, { strictness: 'possible' })
  const phone = result.ok ? result.e164 : null
  // Parsing costs ~60 µs; the same customers write again and again.
  if (phonesOfWaIds.size >= 10_000) phonesOfWaIds.clear()
  phonesOfWaIds.set(waId, phone)
  return phone
}
