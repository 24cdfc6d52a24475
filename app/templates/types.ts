/**
 * Meta's template shapes (reference §3), as stored in
 * `message_templates.components` and sent to / read from the Graph API.
 */
export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'

export type TemplateStatus =
  | 'DRAFT'
  | 'PENDING'
  | 'APPROVED'
  | 'REJECTED'
  | 'PAUSED'
  | 'DISABLED'
  | 'IN_APPEAL'
  | 'PENDING_DELETION'
  | 'DELETED'
  | 'ARCHIVED'
  | 'LIMIT_EXCEEDED'
  | 'LOCKED'
  | 'FLAGGED'
  | 'REINSTATED'

/** An Android app allowed to receive a one-tap / zero-tap code (Meta allows 1–5). */
export type SupportedApp = {
  /** e.g. `com.example.shop`: ≥ 2 segments, each starting with a letter; ≤ 224 characters. */
  package_name: string
  /** The app signing key hash: exactly 11 characters of `A-Z a-z 0-9 + / =`. */
  signature_hash: string
}

export type TemplateButton = {
  type: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE' | 'OTP'
  /** Label; on an OTP button the copy-code label (Meta localises it when absent). */
  text?: string
  url?: string
  phone_number?: string
  otp_type?: 'COPY_CODE' | 'ONE_TAP' | 'ZERO_TAP'
  example?: string[] | string
  /** ONE_TAP / ZERO_TAP: the autofill button's label (≤ 25, optional). */
  autofill_text?: string
  /** ONE_TAP / ZERO_TAP: the Android apps that may receive the code. */
  supported_apps?: SupportedApp[]
  /** ZERO_TAP: must be true (Meta's zero-tap terms accepted). */
  zero_tap_terms_accepted?: boolean
  [key: string]: unknown
}

export type TemplateComponent = {
  type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS'
  format?: 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION'
  text?: string
  buttons?: TemplateButton[]
  example?: Record<string, unknown>
  /** Authentication templates. */
  add_security_recommendation?: boolean
  code_expiration_minutes?: number
  [key: string]: unknown
}
