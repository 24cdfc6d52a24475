import { isSupportedCountry } from 'libphonenumber-js'
import type { ImportOptions, ImportTarget } from '#contacts/models/contact_import'
import type CustomField from '#contacts/models/custom_field'
import {
  coerceFieldValue,
  type CoercedValue,
  type FieldValue,
} from '#contacts/services/custom_fields'
import { normalizePhone, type PhoneRejection } from '#contacts/services/phone'

/**
 * One row of an import file, as it will be stored: the one normalisation
 * used by the mapping screen's preview and by the import job.
 */

export type StandardField = Extract<ImportTarget, { kind: 'standard' }>['field']
export const STANDARD_FIELDS: StandardField[] = [
  'phone',
  'name',
  'email',
  'locale',
  'timezone',
  'country',
]

export type ImportFieldShape = Pick<
  CustomField,
  'id' | 'key' | 'label' | 'type' | 'options' | 'required'
>

/** A validated mapping, by column index. */
export type PreparedMapping = {
  headers: string[]
  phone: number
  name: number[]
  email: number | null
  locale: number | null
  timezone: number | null
  country: number | null
  custom: { index: number; field: ImportFieldShape }[]
  tags: number[]
  consent: number | null
}

export type RowError = { row: number; column: string | null; reason: string }

export type NormalizedRow = {
  row: number
  phone: string
  name: string | null
  email: string | null
  locale: string | null
  timezone: string | null
  /** The mapped country, else the phone's. */
  country: string | null
  fields: { field: ImportFieldShape; value: FieldValue }[]
  tags: string[]
  consent: 'opt_in' | 'opt_out' | null
}

export type RowOutcome =
  | { kind: 'blank'; row: number }
  | { kind: 'ok'; value: NormalizedRow }
  | { kind: 'error'; row: number; errors: RowError[] }

export const NAME_MAX = 160
export const EMAIL_MAX = 254
export const TAG_MAX = 64

const PHONE_REASONS: Record<PhoneRejection, string> = {
  empty: 'Phone is empty',
  not_a_number: 'Not a phone number',
  invalid_country:
    'The number has no country code and no default country is set (write it with + and the country code, or choose a default country)',
  too_short: 'Phone number is too short',
  too_long: 'Phone number is too long',
  invalid: 'Not a valid phone number',
}

const OPT_IN_WORDS = new Set([
  'yes',
  'y',
  'true',
  '1',
  'opt_in',
  'opt-in',
  'optin',
  'in',
  'subscribed',
  'x',
  'نعم',
])
const OPT_OUT_WORDS = new Set([
  'no',
  'n',
  'false',
  '0',
  'opt_out',
  'opt-out',
  'optout',
  'out',
  'unsubscribed',
  'لا',
])

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const LOCALE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/

const zones = new Map<string, string | null>()

/** The canonical IANA name of a time zone, or null (cached: imports repeat a handful of zones). */
function timeZoneOf(value: string): string | null {
  const cached = zones.get(value)
  if (cached !== undefined) return cached
  let zone: string | null
  try {
    zone = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone
  } catch {
    zone = null
  }
  if (zones.size < 2000) zones.set(value, zone)
  return zone
}

/**
 * Coerced values by field and cell text. Import columns mostly repeat a
 * few values (a plan, a yes/no, a date among hundreds), and coercing a
 * date or a number is the costliest part of a row; results are plain
 * values, so sharing them is safe. At most CACHE_SIZE texts per field.
 */
const CACHE_SIZE = 2000
const coercions = new WeakMap<ImportFieldShape, Map<string, CoercedValue>>()

function coerceCached(field: ImportFieldShape, text: string): CoercedValue {
  let cache = coercions.get(field)
  if (!cache) {
    cache = new Map()
    coercions.set(field, cache)
  }
  const known = cache.get(text)
  if (known) return known
  const coerced = coerceFieldValue(field, text)
  if (cache.size < CACHE_SIZE) cache.set(text, coerced)
  return coerced
}

/** Splits a tags cell on commas (and semicolons), trimmed, distinct (case-insensitively). */
function splitTags(text: string): string[] {
  const seen = new Set<string>()
  const tags: string[] = []
  for (const part of text.split(/[,;]/)) {
    const tag = part.trim()
    if (!tag || seen.has(tag.toLowerCase())) continue
    seen.add(tag.toLowerCase())
    tags.push(tag)
  }
  return tags
}

export function normalizeRow(
  cells: string[],
  row: number,
  mapping: PreparedMapping,
  options: Pick<ImportOptions, 'defaultCountry'>
): RowOutcome {
  let blank = true
  for (const cell of cells) {
    if (cell && cell.trim() !== '') {
      blank = false
      break
    }
  }
  if (blank) return { kind: 'blank', row }

  const errors: RowError[] = []
  const cell = (index: number | null) => (index === null ? '' : (cells[index] ?? '').trim())
  const fail = (index: number, reason: string) =>
    errors.push({ row, column: mapping.headers[index] ?? null, reason })

  const phone = normalizePhone(cell(mapping.phone), options.defaultCountry)
  if (!phone.ok) fail(mapping.phone, PHONE_REASONS[phone.reason])

  let name: string | null = null
  if (mapping.name.length) {
    name =
      mapping.name
        .map((index) => cell(index))
        .filter(Boolean)
        .join(' ') || null
    if (name && name.length > NAME_MAX) {
      fail(mapping.name[0], `Name is longer than ${NAME_MAX} characters`)
    }
  }

  let email: string | null = cell(mapping.email) || null
  if (email && (email.length > EMAIL_MAX || !EMAIL.test(email))) {
    fail(mapping.email!, 'Not a valid email address')
    email = null
  }

  let locale: string | null = cell(mapping.locale) || null
  if (locale) {
    if (locale.length > 16 || !LOCALE.test(locale)) {
      fail(mapping.locale!, 'Not a language code (for example en or pt-BR)')
    } else {
      locale = locale.replace(/_/g, '-')
    }
  }

  let timezone: string | null = cell(mapping.timezone) || null
  if (timezone) {
    const zone = timezone.length <= 64 ? timeZoneOf(timezone) : null
    if (!zone) fail(mapping.timezone!, 'Not a time zone (for example Europe/Paris)')
    timezone = zone
  }

  let country: string | null = cell(mapping.country).toUpperCase() || null
  if (country && !(country.length === 2 && isSupportedCountry(country))) {
    fail(mapping.country!, 'Not a two-letter country code (for example FR)')
  }
  if (!country && phone.ok) country = phone.country

  const fields: NormalizedRow['fields'] = []
  for (const { index, field } of mapping.custom) {
    const coerced = coerceCached(field, cell(index))
    if (!coerced.ok) fail(index, coerced.reason)
    else if (coerced.value !== null) fields.push({ field, value: coerced.value })
  }

  const tags: string[] = []
  for (const index of mapping.tags) {
    for (const tag of splitTags(cell(index))) {
      if (tag.length > TAG_MAX)
        fail(index, `Tag "${tag.slice(0, 40)}…" is longer than ${TAG_MAX} characters`)
      else if (!tags.some((known) => known.toLowerCase() === tag.toLowerCase())) tags.push(tag)
    }
  }

  let consent: NormalizedRow['consent'] = null
  const consentText = cell(mapping.consent).toLowerCase()
  if (consentText) {
    if (OPT_IN_WORDS.has(consentText)) consent = 'opt_in'
    else if (OPT_OUT_WORDS.has(consentText)) consent = 'opt_out'
    else fail(mapping.consent!, 'Consent must be yes or no')
  }

  if (errors.length || !phone.ok) return { kind: 'error', row, errors }
  return {
    kind: 'ok',
    value: {
      row,
      phone: phone.e164,
      name,
      email,
      locale,
      timezone,
      country,
      fields,
      tags,
      consent,
    },
  }
}

export class MappingError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, unknown> = {}
  ) {
    super(`Invalid import mapping: ${key}`)
  }
}

/**
 * Checks a mapping against the file's headers and the workspace's custom
 * fields: one target per column, exactly one phone column, each standard
 * field other than name and each custom field at most once.
 */
export function prepareMapping(
  targets: ImportTarget[],
  headers: string[],
  fields: ImportFieldShape[]
): PreparedMapping {
  if (targets.length !== headers.length) throw new MappingError('columns')
  const byKey = new Map(fields.map((field) => [field.key, field]))
  const prepared: PreparedMapping = {
    headers,
    phone: -1,
    name: [],
    email: null,
    locale: null,
    timezone: null,
    country: null,
    custom: [],
    tags: [],
    consent: null,
  }
  const phones: number[] = []
  targets.forEach((target, index) => {
    const header = headers[index]
    switch (target.kind) {
      case 'ignore':
        return
      case 'standard': {
        if (target.field === 'phone') return void phones.push(index)
        if (target.field === 'name') return void prepared.name.push(index)
        if (!STANDARD_FIELDS.includes(target.field))
          throw new MappingError('unknown_field', { header })
        if (prepared[target.field] !== null) throw new MappingError('twice', { header })
        prepared[target.field] = index
        return
      }
      case 'custom': {
        const field = byKey.get(target.key)
        if (!field) throw new MappingError('unknown_custom', { header })
        if (prepared.custom.some((entry) => entry.field.key === target.key)) {
          throw new MappingError('twice', { header })
        }
        prepared.custom.push({ index, field })
        return
      }
      case 'tags':
        prepared.tags.push(index)
        return
      case 'consent':
        if (prepared.consent !== null) throw new MappingError('twice', { header })
        prepared.consent = index
        return
      default:
        throw new MappingError('unknown_field', { header })
    }
  })
  if (phones.length !== 1) throw new MappingError(phones.length ? 'phone_twice' : 'phone_missing')
  prepared.phone = phones[0]
  return prepared
}

const SYNONYMS: [RegExp, ImportTarget][] = [
  [
    /^(phone|phonenumber|mobile|mobilenumber|mobilephone|cell|cellphone|tel|telephone|whatsapp|whatsappnumber|msisdn|number|هاتف|الهاتف|جوال|الجوال|رقمالهاتف|رقمالجوال|رقم)$/,
    { kind: 'standard', field: 'phone' },
  ],
  [
    /^(name|fullname|contactname|contact|firstname|lastname|surname|givenname|familyname|الاسم|اسم)$/,
    { kind: 'standard', field: 'name' },
  ],
  [/^(email|emailaddress|mail|البريد|البريدالإلكتروني)$/, { kind: 'standard', field: 'email' }],
  [/^(locale|language|lang|اللغة)$/, { kind: 'standard', field: 'locale' }],
  [/^(timezone|tz|zone|المنطقةالزمنية)$/, { kind: 'standard', field: 'timezone' }],
  [/^(country|countrycode|البلد|الدولة)$/, { kind: 'standard', field: 'country' }],
  [/^(tags|tag|labels|label|الوسوم)$/, { kind: 'tags' }],
  [
    /^(consent|optin|marketing|marketingconsent|subscribed|subscription|الموافقة)$/,
    { kind: 'consent' },
  ],
]

function squash(text: string) {
  return text.toLowerCase().replace(/[\s_\-.()]/g, '')
}

/**
 * A first mapping from the header names: standard fields by their usual
 * names (English and Arabic), custom fields by key or label, tags and
 * consent; anything else is ignored. Phone and single-use targets go to
 * the first matching column only.
 */
export function suggestMapping(headers: string[], fields: ImportFieldShape[]): ImportTarget[] {
  const used = new Set<string>()
  return headers.map((header) => {
    const name = squash(header)
    const field = fields.find((entry) => squash(entry.key) === name || squash(entry.label) === name)
    if (field && !used.has(`custom:${field.key}`)) {
      used.add(`custom:${field.key}`)
      return { kind: 'custom', key: field.key }
    }
    for (const [pattern, target] of SYNONYMS) {
      if (!pattern.test(name)) continue
      const id = target.kind === 'standard' ? target.field : target.kind
      const repeatable = id === 'name' || id === 'tags'
      if (used.has(id) && !repeatable) continue
      used.add(id)
      return target
    }
    return { kind: 'ignore' }
  })
}
