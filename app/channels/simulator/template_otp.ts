import { MetaApiError } from './errors.js'

type Json = Record<string, unknown>

/**
 * What Meta checks on an authentication template's OTP button when the
 * template is created or edited (Graph v21+; one-tap and zero-tap pages,
 * Feb 2026). Written apart from Parley's own validation so a test against
 * the simulator proves Parley's payload, not Parley's rules twice:
 *
 * - `otp_type` is COPY_CODE, ONE_TAP or ZERO_TAP (any casing);
 * - `text` and `autofill_text`, when given, are at most 25 characters;
 * - ONE_TAP and ZERO_TAP carry `supported_apps`: 1 to 5 objects, each with
 *   a `package_name` (≥ 2 dot-separated segments, each starting with a
 *   letter, `[A-Za-z0-9_]`, ≤ 224 characters) and a `signature_hash`
 *   (exactly 11 of `[A-Za-z0-9+/=]`). The button-level `package_name` /
 *   `signature_hash` of v20 and earlier are not accepted any more;
 * - ZERO_TAP needs `zero_tap_terms_accepted: true`, else no template.
 *
 * Refusals use code 100 (Invalid parameter) with the detail in
 * `error_data.details`, like the simulator's other template refusals.
 */
export function checkOtpButtons(buttons: unknown, category: string) {
  if (category !== 'AUTHENTICATION' || !Array.isArray(buttons)) return
  buttons.forEach((raw, index) => {
    const button = (raw ?? {}) as Json
    if (String(button.type ?? '').toUpperCase() !== 'OTP') return
    const where = `buttons[${index}]`
    const otpType = String(button.otp_type ?? '').toUpperCase()
    if (!['COPY_CODE', 'ONE_TAP', 'ZERO_TAP'].includes(otpType)) {
      throw new MetaApiError(
        100,
        `Param ${where}.otp_type must be one of {COPY_CODE, ONE_TAP, ZERO_TAP}.`
      )
    }
    for (const field of ['text', 'autofill_text']) {
      const value = button[field]
      if (value !== undefined && (typeof value !== 'string' || [...value].length > 25)) {
        throw new MetaApiError(100, `Param ${where}.${field} must be at most 25 characters.`)
      }
    }
    if (otpType === 'COPY_CODE') return

    const apps = button.supported_apps
    if (!Array.isArray(apps) || apps.length === 0) {
      throw new MetaApiError(
        100,
        `Param ${where}.supported_apps is required for ${otpType} buttons: give at least one package_name and signature_hash.`
      )
    }
    if (apps.length > 5) {
      throw new MetaApiError(100, `Param ${where}.supported_apps can have at most 5 apps.`)
    }
    apps.forEach((entry, position) => {
      const app = (entry ?? {}) as Json
      const at = `${where}.supported_apps[${position}]`
      const name = app.package_name
      const segments = typeof name === 'string' ? name.split('.') : []
      const nameOk =
        typeof name === 'string' &&
        name.length <= 224 &&
        segments.length >= 2 &&
        segments.every((segment) => /^[A-Za-z]\w*$/.test(segment))
      if (!nameOk) {
        throw new MetaApiError(
          100,
          `Param ${at}.package_name must have at least two segments separated by dots, each starting with a letter, using only a-z, A-Z, 0-9 and _ (at most 224 characters).`
        )
      }
      const hash = app.signature_hash
      if (typeof hash !== 'string' || !/^[A-Za-z0-9+/=]{11}$/.test(hash)) {
        throw new MetaApiError(
          100,
          `Param ${at}.signature_hash must be exactly 11 characters of a-z, A-Z, 0-9, +, / or =.`
        )
      }
    })
    if (otpType === 'ZERO_TAP' && button.zero_tap_terms_accepted !== true) {
      throw new MetaApiError(
        100,
        `Param ${where}.zero_tap_terms_accepted must be true: accept the zero-tap terms before creating zero-tap templates.`
      )
    }
  })
}
