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

export type TemplateButton = {
  type: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE' | 'OTP'
  text?: string
  url?: string
  phone_number?: string
  otp_type?: 'COPY_CODE' | 'ONE_TAP' | 'ZERO_TAP'
  example?: string[] | string
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
