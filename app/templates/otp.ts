import type { SupportedApp, TemplateButton, TemplateComponent } from '#templates/types'

/**
 * One-time-password buttons of authentication templates in Meta's shape
 * (Graph v21+, one-tap and zero-tap pages of Feb 2026):
 *
 *   { type: 'OTP', otp_type: 'COPY_CODE' | 'ONE_TAP' | 'ZERO_TAP',
 *     text?,                      // copy-code label, ≤ 25, Meta localises it when absent
 *     autofill_text?,             // one-tap label, ≤ 25 (ONE_TAP, ZERO_TAP)
 *     supported_apps?: [{ package_name, signature_hash }],   // 1–5 (ONE_TAP, ZERO_TAP)
 *     zero_tap_terms_accepted? }  // must be true (ZERO_TAP)
 *
 * Meta dropped the button-level `package_name` / `signature_hash` in v21;
 * they are folded into `supported_apps` here. Fields Meta defines only for
 * other OTP types are not sent (copy code has no apps, one-tap no terms).
 * Used when a template is stored and sent, and when Meta's copy is read back.
 */

export const OTP_APP_TYPES = ['ONE_TAP', 'ZERO_TAP'] as const

/** Meta's package name rule: ≥ 2 dot-separated segments, each starting with a letter. */
export const PACKAGE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/
/** The app signing key hash: exactly 11 of `A-Z a-z 0-9 + / =`. */
export const SIGNATURE_HASH_PATTERN = /^[A-Za-z0-9+/=]{11}$/

/** Where Meta's copy of an authentication template points its OTP button (read shape). */
const OTP_URL = /^https:\/\/www\.whatsapp\.com\/otp\/code\/?\?/i

export function needsApps(otpType: unknown): boolean {
  return (OTP_APP_TYPES as readonly string[]).includes(String(otpType ?? '').toUpperCase())
}

function trimmed(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined
}

function appsOf(button: Record<string, unknown>): SupportedApp[] | undefined {
  const list = button.supported_apps
  if (Array.isArray(list)) {
    return list.map((app) => {
      const record = (typeof app === 'object' && app !== null ? app : {}) as Record<string, unknown>
      return {
        package_name: trimmed(record.package_name) ?? '',
        signature_hash: trimmed(record.signature_hash) ?? '',
      }
    })
  }
  const packageName = trimmed(button.package_name)
  const signatureHash = trimmed(button.signature_hash)
  if (packageName || signatureHash) {
    return [{ package_name: packageName ?? '', signature_hash: signatureHash ?? '' }]
  }
  return undefined
}

/** An OTP button as Parley stores it and sends it to Meta. Other buttons pass unchanged. */
export function normalizeOtpButton(button: TemplateButton): TemplateButton {
  if (String(button.type ?? '').toUpperCase() !== 'OTP') return button
  const otpType = String(button.otp_type ?? '').toUpperCase() as TemplateButton['otp_type']
  const out: TemplateButton = { type: 'OTP', otp_type: otpType }
  const text = trimmed(button.text)
  if (text) out.text = text
  if (needsApps(otpType)) {
    const autofill = trimmed(button.autofill_text)
    if (autofill) out.autofill_text = autofill
    const apps = appsOf(button)
    if (apps) out.supported_apps = apps
  }
  if (otpType === 'ZERO_TAP' && button.zero_tap_terms_accepted !== undefined) {
    out.zero_tap_terms_accepted = button.zero_tap_terms_accepted
  }
  return out
}

/** Every OTP button of a components array in Meta's shape. */
export function normalizeOtpComponents(components: TemplateComponent[]): TemplateComponent[] {
  return components.map((component) =>
    String(component.type ?? '').toUpperCase() === 'BUTTONS' && Array.isArray(component.buttons)
      ? { ...component, buttons: component.buttons.map(normalizeOtpButton) }
      : component
  )
}

/**
 * An OTP button from Meta's copy of a template. Meta may answer with the
 * OTP shape it was given (older `package_name` / `signature_hash` folded
 * into `supported_apps`) or, as its docs warn, with the button turned into
 * a URL button on `https://www.whatsapp.com/otp/code/?otp_type=…`, whose
 * query carries the type, the apps and the autofill label. Either way the
 * result is the OTP shape the editor and the submit path use.
 */
export function otpButtonFromMeta(button: TemplateButton): TemplateButton {
  const type = String(button.type ?? '').toUpperCase()
  // Meta only creates a zero-tap template once its terms were accepted.
  const accepted = { zero_tap_terms_accepted: true }
  if (type === 'OTP') {
    const zeroTap = String(button.otp_type ?? '').toUpperCase() === 'ZERO_TAP'
    return normalizeOtpButton(
      zeroTap && button.zero_tap_terms_accepted === undefined ? { ...button, ...accepted } : button
    )
  }
  if (type !== 'URL' || typeof button.url !== 'string' || !OTP_URL.test(button.url)) return button
  let query: URLSearchParams
  try {
    query = new URL(button.url.replace(/\{\{[^{}]*\}\}/g, '')).searchParams
  } catch {
    return button
  }
  const otpType = (query.get('otp_type') ?? 'COPY_CODE').toUpperCase()
  const packages = query.getAll('package_name')
  const hashes = query.getAll('signature_hash')
  const apps = packages.map((name, index) => ({
    package_name: name,
    signature_hash: hashes[index] ?? '',
  }))
  return normalizeOtpButton({
    type: 'OTP',
    otp_type: otpType as TemplateButton['otp_type'],
    text: button.text,
    autofill_text: query.get('cta_display_name') ?? undefined,
    ...(apps.length ? { supported_apps: apps } : {}),
    ...(otpType === 'ZERO_TAP' ? accepted : {}),
  })
}

/** The components of Meta's copy of a template, OTP buttons in Parley's (= Meta's request) shape. */
export function componentsFromMeta(
  category: string,
  components: TemplateComponent[]
): TemplateComponent[] {
  if (category.toUpperCase() !== 'AUTHENTICATION') return components
  return components.map((component) =>
    String(component.type ?? '').toUpperCase() === 'BUTTONS' && Array.isArray(component.buttons)
      ? { ...component, buttons: component.buttons.map(otpButtonFromMeta) }
      : component
  )
}
