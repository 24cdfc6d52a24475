/**
 * Meta's template component shapes as the browser sees them (mirror of
 * app/templates/types.ts, which the front end cannot import).
 */
export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'

/** An Android app allowed to receive a one-tap / zero-tap code. */
export type SupportedApp = { package_name: string; signature_hash: string }

export type TemplateButton = {
  type: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE' | 'OTP'
  /** Label; on an OTP button the copy-code label. */
  text?: string
  url?: string
  phone_number?: string
  otp_type?: 'COPY_CODE' | 'ONE_TAP' | 'ZERO_TAP'
  example?: string[] | string
  /** ONE_TAP / ZERO_TAP: the autofill button's label. */
  autofill_text?: string
  /** ONE_TAP / ZERO_TAP: 1–5 Android apps. */
  supported_apps?: SupportedApp[]
  /** ZERO_TAP: Meta's zero-tap terms accepted. */
  zero_tap_terms_accepted?: boolean
  [key: string]: unknown
}

export type TemplateComponent = {
  type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS'
  format?: 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION'
  text?: string
  buttons?: TemplateButton[]
  example?: Record<string, unknown>
  add_security_recommendation?: boolean
  code_expiration_minutes?: number
  [key: string]: unknown
}

/**
 * Values to show in place of variables, by component then by variable
 * name ("1", "2" for positional, "first_name" for named). A missing value
 * falls back to the component's example, then to the `{{name}}` itself.
 * `headerMediaUrl` shows a real picture instead of the placeholder.
 */
export type PreviewValues = {
  header?: Record<string, string>
  body?: Record<string, string>
  /** URL button suffixes by button index. */
  buttons?: Record<number, string>
  headerMediaUrl?: string | null
}

export type TemplatePreviewProps = {
  components: TemplateComponent[]
  values?: PreviewValues
}
