import { IANAZone } from 'luxon'
import { parsePhoneNumberWithError } from 'libphonenumber-js'
import metadata from 'libphonenumber-js/min/metadata'
import db from '@adonisjs/lucid/services/db'
import { tenancy } from '#core/tenancy/context'

/**
 * The main IANA zone of common countries (ISO 3166 alpha-2). For
 * countries with several zones it is the most populous one's (US →
 * New York, BR → São Paulo, AU → Sydney…): a guess that beats the
 * workspace's zone. Countries not listed fall back to the workspace zone.
 */
export const COUNTRY_ZONES: Record<string, string> = {
  AE: 'Asia/Dubai',
  AR: 'America/Argentina/Buenos_Aires',
  AT: 'Europe/Vienna',
  AU: 'Australia/Sydney',
  BD: 'Asia/Dhaka',
  BE: 'Europe/Brussels',
  BH: 'Asia/Bahrain',
  BR: 'America/Sao_Paulo',
  CA: 'America/Toronto',
  CH: 'Europe/Zurich',
  CL: 'America/Santiago',
  CN: 'Asia/Shanghai',
  CO: 'America/Bogota',
  DE: 'Europe/Berlin',
  DK: 'Europe/Copenhagen',
  DZ: 'Africa/Algiers',
  EG: 'Africa/Cairo',
  ES: 'Europe/Madrid',
  FR: 'Europe/Paris',
  GB: 'Europe/London',
  GH: 'Africa/Accra',
  GR: 'Europe/Athens',
  HK: 'Asia/Hong_Kong',
  ID: 'Asia/Jakarta',
  IE: 'Europe/Dublin',
  IL: 'Asia/Jerusalem',
  IN: 'Asia/Kolkata',
  IQ: 'Asia/Baghdad',
  IR: 'Asia/Tehran',
  IT: 'Europe/Rome',
  JO: 'Asia/Amman',
  JP: 'Asia/Tokyo',
  KE: 'Africa/Nairobi',
  KR: 'Asia/Seoul',
  KW: 'Asia/Kuwait',
  LB: 'Asia/Beirut',
  LK: 'Asia/Colombo',
  MA: 'Africa/Casablanca',
  MX: 'America/Mexico_City',
  MY: 'Asia/Kuala_Lumpur',
  NG: 'Africa/Lagos',
  NL: 'Europe/Amsterdam',
  NO: 'Europe/Oslo',
  NP: 'Asia/Kathmandu',
  NZ: 'Pacific/Auckland',
  OM: 'Asia/Muscat',
  PE: 'America/Lima',
  PH: 'Asia/Manila',
  PK: 'Asia/Karachi',
  PL: 'Europe/Warsaw',
  PT: 'Europe/Lisbon',
  QA: 'Asia/Qatar',
  RO: 'Europe/Bucharest',
  RU: 'Europe/Moscow',
  SA: 'Asia/Riyadh',
  SE: 'Europe/Stockholm',
  SG: 'Asia/Singapore',
  TH: 'Asia/Bangkok',
  TN: 'Africa/Tunis',
  TR: 'Europe/Istanbul',
  TW: 'Asia/Taipei',
  UA: 'Europe/Kyiv',
  US: 'America/New_York',
  VN: 'Asia/Ho_Chi_Minh',
  ZA: 'Africa/Johannesburg',
}

export function isValidZone(zone: string | null | undefined): zone is string {
  return !!zone && IANAZone.isValidZone(zone)
}

/**
 * The country of an international phone number or WhatsApp id, or null.
 * When the number does not pin a country down (a range the metadata does
 * not know, or a shared calling code), the calling code's main country
 * (+1 → US, +44 → GB, +7 → RU) is used.
 */
export function countryOfPhone(phone: string | null | undefined): string | null {
  const digits = String(phone ?? '').replace(/[^\d+]/g, '')
  if (!digits) return null
  try {
    const parsed = parsePhoneNumberWithError(digits.startsWith('+') ? digits : `+${digits}`)
    if (parsed.country) return parsed.country
    const codes = (metadata as { country_calling_codes: Record<string, string[]> })
      .country_calling_codes
    return codes[parsed.countryCallingCode]?.[0] ?? null
  } catch {
    return null
  }
}

/** The zone inferred from a phone number's country (see COUNTRY_ZONES), or null. */
export function zoneOfPhone(phone: string | null | undefined): string | null {
  const country = countryOfPhone(phone)
  return country ? (COUNTRY_ZONES[country] ?? null) : null
}

/**
 * A contact's time zone: its own `timezone` when the contacts table has
 * one and it is valid, else the zone of its phone number's country, else
 * null (the caller falls back to the workspace zone).
 */
export async function contactZone(contactId: number): Promise<string | null> {
  const row = await db
    .from('contacts')
    .where('workspace_id', tenancy.workspaceId())
    .where('id', contactId)
    .first()
  if (!row) return null
  if (isValidZone(row.timezone)) return row.timezone
  return zoneOfPhone(row.phone) ?? zoneOfPhone(row.wa_id)
}

export type ZoneChoice = 'agent' | 'contact' | string

/**
 * The IANA zone a scheduled time is read in:
 * - `agent`: the zone the browser reported, else the workspace's;
 * - `contact`: the contact's (see contactZone), else the workspace's;
 * - anything else must be an IANA zone name (null when it is not).
 */
export async function resolveZone(input: {
  choice: ZoneChoice
  browserZone?: string | null
  contactId: number
  workspaceZone: string
}): Promise<string | null> {
  const fallback = isValidZone(input.workspaceZone) ? input.workspaceZone : 'UTC'
  if (input.choice === 'agent') return isValidZone(input.browserZone) ? input.browserZone : fallback
  if (input.choice === 'contact') return (await contactZone(input.contactId)) ?? fallback
  return isValidZone(input.choice) ? input.choice : null
}
