import { createHash, randomBytes, randomInt } from 'node:crypto'

/**
 * A wamid shaped like Meta's: `wamid.` + base64 of a small binary record
 * holding the user's number and a random message key, e.g.
 * `wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=`.
 * Like real ones, they can contain `/` and `+`.
 */
export function newWamid(waId: string): string {
  const phone = Buffer.from(waId.replace(/\D/g, '').slice(0, 20) || '0', 'ascii')
  const key = Buffer.from(randomBytes(10).toString('hex').toUpperCase(), 'ascii')
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, phone.length]),
    phone,
    Buffer.from([0x15, 0x02, 0x00, 0x12, 0x18, key.length]),
    key,
    Buffer.from([0x00]),
  ])
  return `wamid.${record.toString('base64')}`
}

/**
 * A numeric Graph object id (media, templates): 15 digits, so it stays a
 * safe integer where Meta sends it as a JSON number (template webhooks).
 */
export function newNumericId(): string {
  return `${randomInt(1, 10)}${String(randomInt(0, 10 ** 14)).padStart(14, '0')}`
}

/** `fbtrace_id` values look like `AbC1dEf2GhI3jKl4MnO5pQ`. */
export function fbtraceId(): string {
  return randomBytes(16).toString('base64').replace(/[+/=]/g, '').slice(0, 22)
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url')
}

/** Long-lived-looking access token (`EAA…`). */
export function newAccessToken(): string {
  return `EAA${randomBytes(60).toString('base64url').replace(/[-_]/g, 'Z')}`
}

const CALLING_CODES: [string, string][] = [
  ['971', 'AE'],
  ['966', 'SA'],
  ['974', 'QA'],
  ['965', 'KW'],
  ['962', 'JO'],
  ['961', 'LB'],
  ['212', 'MA'],
  ['234', 'NG'],
  ['254', 'KE'],
  ['20', 'EG'],
  ['27', 'ZA'],
  ['30', 'GR'],
  ['31', 'NL'],
  ['33', 'FR'],
  ['34', 'ES'],
  ['39', 'IT'],
  ['44', 'GB'],
  ['49', 'DE'],
  ['52', 'MX'],
  ['54', 'AR'],
  ['55', 'BR'],
  ['57', 'CO'],
  ['60', 'MY'],
  ['62', 'ID'],
  ['63', 'PH'],
  ['65', 'SG'],
  ['90', 'TR'],
  ['91', 'IN'],
  ['92', 'PK'],
  ['1', 'US'],
  ['7', 'RU'],
]

/** ISO country of a phone number by its calling code (a small table; `US` otherwise). */
export function countryOf(waId: string): string {
  const digits = waId.replace(/\D/g, '')
  for (const [prefix, country] of CALLING_CODES) {
    if (digits.startsWith(prefix)) return country
  }
  return 'US'
}

/**
 * The 2026 business-scoped user id (BSUID) for a user: `CC.` + 20 digits,
 * stable per (business portfolio, phone number), like `US.13491208655302741918`.
 */
export function bsuidFor(scope: string, waId: string): string {
  const hash = createHash('sha256').update(`${scope}:${waId}`).digest()
  const digits = (hash.readBigUInt64BE(0) * 10000n + BigInt(hash.readUInt16BE(8) % 10000))
    .toString()
    .padStart(20, '0')
    .slice(-20)
  return `${countryOf(waId)}.${digits.replace(/^0/, '1')}`
}

export function isBsuid(value: string): boolean {
  return /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]+$/.test(value)
}
