/** A scheduled message as the server lists it (ScheduledMessagesController). */
export interface ScheduledItem {
  id: string
  body: string
  /** ISO instant. */
  sendAt: string
  /** IANA zone the time was chosen in. */
  timezone: string
  /** `YYYY-MM-DDTHH:mm` in that zone. */
  localSendAt: string
  status: 'scheduled' | 'sending' | 'sent' | 'failed' | 'cancelled'
  error: string | null
  errorCode: string | null
  createdBy: string | null
}

/** The browser's IANA zone, or null. */
export function browserTimeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null
  } catch {
    return null
  }
}
