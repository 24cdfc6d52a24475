/**
 * Meta WhatsApp Cloud API error codes as data (reference §5, §4.5).
 *
 * Every code maps to what the outbound job should do:
 * - `retry`: transient (R, R/B): retry with backoff; counts for the circuit breaker;
 * - `wait`: retry only after `retryAfterMs` (B: throttling, maintenance, pauses);
 * - `give_up`: permanent until something is fixed (N); the message fails with
 *   `userMessage`, written for the agent who sees it in the inbox.
 *
 * Classification is by `error.code` only: Meta lists HTTP 400 for the throttling
 * codes (4, 80007, 130429, 131048, 131056) while older tables and providers
 * show 429 (reference §10.2), so the HTTP status is informative, never decisive.
 */
export type MetaErrorAction = 'retry' | 'wait' | 'give_up'

export type MetaErrorEntry = {
  title: string
  /** The HTTP status Meta lists (Nov 2025); null where Meta lists none. */
  httpStatus: number | null
  action: MetaErrorAction
  /** Fixed delay, or a function of the attempt (1-based). */
  retryAfterMs?: number | ((attempt: number) => number)
  /**
   * For `retry`/`wait` codes: after this many attempts the error is reported
   * as `give_up` (e.g. 131000 "something went wrong" is retried a little).
   */
  maxAttempts?: number
  userMessage: string
}

export type MetaErrorClassification = {
  code: number | null
  known: boolean
  title: string
  action: MetaErrorAction
  retryAfterMs: number | null
  userMessage: string
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/** `base * factor^(attempt-1)`, capped. */
export function exponentialBackoff(baseMs: number, capMs: number, factor = 2) {
  return (attempt: number) =>
    Math.min(capMs, baseMs * Math.pow(factor, Math.max(0, Math.floor(attempt) - 1)))
}

/** Backoff used for transient failures without a code (network, timeouts, bare 5xx). */
export const transientBackoff = exponentialBackoff(2 * SECOND, 2 * MINUTE)

const templateMissing =
  'The template does not exist in this language or is not approved yet: check it in Templates.'

export const META_ERROR_CODES: Readonly<Record<number, MetaErrorEntry>> = {
  0: {
    title: 'AuthException',
    httpStatus: 401,
    action: 'give_up',
    userMessage:
      "WhatsApp rejected the channel's access token (expired or revoked): reconnect the channel in Settings › Channels.",
  },
  1: {
    title: 'API Unknown',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: exponentialBackoff(30 * SECOND, 10 * MINUTE),
    maxAttempts: 3,
    userMessage:
      'WhatsApp could not process the request (unknown error). It will be retried; if it keeps failing, check the Meta status page.',
  },
  2: {
    title: 'API Service',
    httpStatus: 503,
    action: 'retry',
    retryAfterMs: exponentialBackoff(5 * SECOND, 5 * MINUTE),
    userMessage: 'WhatsApp is temporarily unavailable. The message will be retried automatically.',
  },
  3: {
    title: 'API Method (capability or permission)',
    httpStatus: 500,
    action: 'give_up',
    userMessage:
      'This WhatsApp account lacks the capability or permission for this request: check the app permissions in Meta Business Manager.',
  },
  4: {
    title: 'Too many API calls (app rate limit)',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: exponentialBackoff(MINUTE, 30 * MINUTE),
    userMessage:
      'The WhatsApp app reached its API call limit. Sending resumes automatically in a few minutes.',
  },
  10: {
    title: 'Permission denied',
    httpStatus: 403,
    action: 'give_up',
    userMessage:
      'Permission denied by WhatsApp (not granted, removed, or not eligible): check the app permissions and the phone number status in Meta Business Manager.',
  },
  33: {
    title: 'Business phone number deleted',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      "This channel's WhatsApp business number was deleted: reconnect a number in Settings › Channels.",
  },
  100: {
    title: 'Invalid parameter',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      'WhatsApp rejected a parameter of this message (invalid, misspelled or too long): edit the message and send it again.',
  },
  190: {
    title: 'Access token expired',
    httpStatus: 401,
    action: 'give_up',
    userMessage:
      "The channel's access token expired: reconnect the channel in Settings › Channels, then resend.",
  },
  200: {
    title: 'API permission missing',
    httpStatus: 403,
    action: 'give_up',
    userMessage:
      'A WhatsApp API permission is missing (e.g. the system user has no access to this number): grant it in Meta Business Manager.',
  },
  368: {
    title: 'Temporarily blocked for policy violations',
    httpStatus: 403,
    action: 'give_up',
    userMessage:
      'This WhatsApp account is temporarily blocked for policy violations: review the account in WhatsApp Manager.',
  },
  470: {
    title: 'Message outside the 24-hour window (legacy On-Premises code)',
    httpStatus: null,
    action: 'give_up',
    userMessage:
      "More than 24 hours since the customer's last message: send an approved template instead.",
  },
  80007: {
    title: 'WABA rate limit',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: exponentialBackoff(MINUTE, 30 * MINUTE),
    userMessage:
      'The WhatsApp Business Account reached its API call limit. Sending resumes automatically in a few minutes.',
  },
  130429: {
    title: 'Throughput limit reached',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: exponentialBackoff(SECOND, 30 * SECOND),
    userMessage:
      "The number's messages-per-second limit was reached. The message will be sent again in a few seconds.",
  },
  130472: {
    title: "User's number is part of an experiment",
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      "Meta did not deliver this marketing message: the customer is in Meta's marketing-message experiment group.",
  },
  130497: {
    title: 'Business account is restricted from messaging users in this country',
    httpStatus: 403,
    action: 'give_up',
    userMessage: "This WhatsApp account may not message users in the customer's country.",
  },
  131000: {
    title: 'Something went wrong',
    httpStatus: 500,
    action: 'retry',
    retryAfterMs: exponentialBackoff(5 * SECOND, MINUTE),
    maxAttempts: 3,
    userMessage: 'WhatsApp reported an unknown error. The message was retried and still failed.',
  },
  131005: {
    title: 'Access denied',
    httpStatus: 403,
    action: 'give_up',
    userMessage:
      'WhatsApp denied access for this request: check the app permissions in Meta Business Manager.',
  },
  131008: {
    title: 'Required parameter is missing',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'A required field of this message is missing: edit the message and send it again.',
  },
  131009: {
    title: 'Parameter value is not valid',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      'A value in this message is not valid (a reaction to a message older than 30 days, deleted, or itself a reaction also fails this way).',
  },
  131016: {
    title: 'Service unavailable',
    httpStatus: 500,
    action: 'retry',
    retryAfterMs: exponentialBackoff(5 * SECOND, 5 * MINUTE),
    userMessage: 'WhatsApp is temporarily unavailable. The message will be retried automatically.',
  },
  131021: {
    title: 'Recipient cannot be sender',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'The recipient is this channel’s own number: a number cannot message itself.',
  },
  131026: {
    title: 'Message undeliverable',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      "The message could not be delivered: the number may not be on WhatsApp, the customer hasn't accepted the latest terms, or uses a very old WhatsApp version.",
  },
  131031: {
    title: 'Account has been locked',
    httpStatus: 403,
    action: 'give_up',
    userMessage:
      'The WhatsApp account is locked (policy violation or wrong two-step verification PIN data): check WhatsApp Manager.',
  },
  131037: {
    title: 'Display name approval needed',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      'This number has no approved display name yet: get the display name approved in WhatsApp Manager.',
  },
  131042: {
    title: 'Business eligibility payment issue',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      'WhatsApp refused the message because of a billing problem: add a valid payment method in Meta Business Manager, then resend.',
  },
  131045: {
    title: 'Incorrect certificate',
    httpStatus: 500,
    action: 'give_up',
    userMessage:
      'The phone number is not registered correctly: register it again from Settings › Channels.',
  },
  131047: {
    title: 'Re-engagement message',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      "More than 24 hours since the customer's last message: send an approved template instead.",
  },
  131048: {
    title: 'Spam rate limit hit',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: exponentialBackoff(HOUR, 24 * HOUR),
    userMessage:
      'WhatsApp is limiting this number because too many recent messages were blocked or reported as spam. Sending is paused; review message quality.',
  },
  131049: {
    title: 'Meta chose not to deliver (healthy ecosystem engagement)',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: 24 * HOUR,
    userMessage:
      'Meta held this marketing message back (per-user marketing limit, or US number). It will be retried in 24 hours at the earliest.',
  },
  131050: {
    title: 'User stopped marketing messages',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'The customer opted out of marketing messages from this business.',
  },
  131051: {
    title: 'Unsupported message type',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'WhatsApp does not support this message type.',
  },
  131052: {
    title: 'Media download error',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      "The customer's media could not be downloaded (e.g. over 100 MB): ask the customer to send it another way.",
  },
  131053: {
    title: 'Media upload error',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      'WhatsApp could not process the attached file (wrong or unsupported type): check the file format and size, then resend.',
  },
  131056: {
    title: 'Pair rate limit hit',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: exponentialBackoff(SECOND, 1024 * SECOND, 4),
    userMessage:
      'Too many messages to this customer in a short time. The message will be sent again shortly.',
  },
  131057: {
    title: 'Account in maintenance mode',
    httpStatus: 500,
    action: 'wait',
    retryAfterMs: exponentialBackoff(MINUTE, 10 * MINUTE),
    userMessage:
      'The WhatsApp account is in maintenance (e.g. a throughput upgrade). Sending resumes in about a minute.',
  },
  131059: {
    title: 'Invalid pagination cursor',
    httpStatus: null,
    action: 'retry',
    maxAttempts: 2,
    userMessage: 'The template list cursor was invalid; the list is reloaded from the start.',
  },
  131062: {
    title: 'Business-scoped user id not supported for this message',
    httpStatus: null,
    action: 'give_up',
    userMessage:
      "This message can't be sent to a username-only contact: a phone number is needed for it.",
  },
  132000: {
    title: 'Template parameter count mismatch',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      "The number of template variables doesn't match the template: fill in every variable.",
  },
  132001: {
    title: 'Template does not exist',
    httpStatus: 404,
    action: 'give_up',
    userMessage: templateMissing,
  },
  132005: {
    title: 'Template hydrated text too long',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'The template text with variables filled in is too long: shorten the variables.',
  },
  132007: {
    title: 'Template format character policy violated',
    httpStatus: 400,
    action: 'give_up',
    userMessage: "The template's variables break WhatsApp's formatting or content policy.",
  },
  132012: {
    title: 'Template parameter format mismatch',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      "A template variable has the wrong format (e.g. the header expects an image): match the template's definition.",
  },
  132015: {
    title: 'Template is paused',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: 3 * HOUR,
    userMessage:
      'The template is paused by Meta for low quality. The message will be retried after the pause (3 hours or more).',
  },
  132016: {
    title: 'Template is disabled',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      'The template was permanently disabled by Meta for low quality: create a new template.',
  },
  132018: {
    title: 'Problem with template parameters',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      'A template variable is invalid (new lines, tabs or more than 4 spaces in a row are not allowed): fix the values.',
  },
  132068: {
    title: 'Flow is in blocked state',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'The WhatsApp Flow is blocked: fix it in WhatsApp Manager.',
  },
  132069: {
    title: 'Flow is in throttled state',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: 10 * MINUTE,
    userMessage:
      'The WhatsApp Flow is throttled (10 sends per hour). The message will be sent again later.',
  },
  133000: {
    title: 'Incomplete deregistration',
    httpStatus: 500,
    action: 'give_up',
    userMessage:
      'A previous deregistration of this number did not complete: deregister it again before registering.',
  },
  133004: {
    title: 'Server temporarily unavailable',
    httpStatus: 503,
    action: 'retry',
    retryAfterMs: exponentialBackoff(5 * SECOND, 5 * MINUTE),
    userMessage: 'WhatsApp is temporarily unavailable. The request will be retried automatically.',
  },
  133005: {
    title: 'Two-step verification PIN mismatch',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      "The two-step verification PIN is wrong: enter the number's current PIN (or reset it in WhatsApp Manager).",
  },
  133006: {
    title: 'Phone number re-verification needed',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'The phone number must be verified again before it can be registered.',
  },
  133008: {
    title: 'Too many two-step verification PIN guesses',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: 5 * MINUTE,
    userMessage:
      'Too many wrong PIN attempts for this number: wait before trying again (see the details).',
  },
  133009: {
    title: 'Two-step verification PIN guessed too fast',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: 5 * MINUTE,
    userMessage: 'PIN attempts were made too quickly: wait before trying again (see the details).',
  },
  133010: {
    title: 'Phone number not registered',
    httpStatus: 400,
    action: 'give_up',
    userMessage:
      'The phone number is not registered with the Cloud API: register it from Settings › Channels.',
  },
  133015: {
    title: 'Please wait a few minutes before attempting to register this phone number',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: 5 * MINUTE,
    userMessage:
      'This number was deleted recently and the deletion is still in progress: try again in 5 minutes.',
  },
  133016: {
    title: 'Account register/deregister rate limit exceeded',
    httpStatus: 400,
    action: 'wait',
    retryAfterMs: 72 * HOUR,
    userMessage:
      'Too many register/deregister attempts for this number (10 per 72 hours): try again in 72 hours.',
  },
  134011: {
    title: 'WhatsApp Payments terms not accepted',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'Accept the WhatsApp Payments terms of service before sending payment messages.',
  },
  135000: {
    title: 'Generic user error',
    httpStatus: 400,
    action: 'give_up',
    userMessage: 'WhatsApp rejected the request parameters: check the message and send it again.',
  },
  2388019: {
    title: 'Message template count limit reached',
    httpStatus: null,
    action: 'give_up',
    userMessage: 'The template limit of this WhatsApp account is reached: delete unused templates.',
  },
  2388040: {
    title: 'Template field too long',
    httpStatus: null,
    action: 'give_up',
    userMessage: 'A template field has too many characters: shorten it.',
  },
  2388047: {
    title: 'Template header format incorrect',
    httpStatus: null,
    action: 'give_up',
    userMessage: "The template header's format is incorrect: fix the header.",
  },
  2388072: {
    title: 'Template body format incorrect',
    httpStatus: null,
    action: 'give_up',
    userMessage: "The template body's format is incorrect: fix the body.",
  },
  2388073: {
    title: 'Template footer format incorrect',
    httpStatus: null,
    action: 'give_up',
    userMessage: "The template footer's format is incorrect: fix the footer.",
  },
  2388293: {
    title: 'Too many variables for the template length',
    httpStatus: null,
    action: 'give_up',
    userMessage:
      'The template has too many variables for its length: add text or remove variables.',
  },
  2388299: {
    title: 'Template starts or ends with a variable',
    httpStatus: null,
    action: 'give_up',
    userMessage: 'A template can’t start or end with a variable: add text around it.',
  },
}

/** The entry for a code; 200–299 share one entry (API permission missing). */
export function lookupMetaError(code: number | null | undefined): MetaErrorEntry | null {
  if (code === null || code === undefined || !Number.isFinite(code)) return null
  const entry = META_ERROR_CODES[code]
  if (entry) return entry
  if (code >= 200 && code <= 299) return META_ERROR_CODES[200]
  return null
}

/**
 * What to do with a Meta error `code` on the given attempt (1-based).
 * Unknown codes are permanent: the Meta message (if any) is shown as is.
 */
export function classifyMetaError(
  code: number | null | undefined,
  attempt: number = 1,
  metaMessage?: string | null
): MetaErrorClassification {
  const entry = lookupMetaError(code)
  const normalizedCode = code ?? null
  if (!entry) {
    const message = metaMessage?.trim()
    return {
      code: normalizedCode,
      known: false,
      title: message || 'Unknown WhatsApp error',
      action: 'give_up',
      retryAfterMs: null,
      userMessage: message
        ? `WhatsApp error${normalizedCode === null ? '' : ` ${normalizedCode}`}: ${message}`
        : `WhatsApp rejected the message${normalizedCode === null ? '' : ` (error ${normalizedCode})`}.`,
    }
  }

  const safeAttempt = Math.max(1, Math.floor(attempt) || 1)
  const exhausted =
    entry.action !== 'give_up' &&
    entry.maxAttempts !== undefined &&
    safeAttempt >= entry.maxAttempts
  if (exhausted) {
    return {
      code: normalizedCode,
      known: true,
      title: entry.title,
      action: 'give_up',
      retryAfterMs: null,
      userMessage: entry.userMessage,
    }
  }

  let retryAfterMs: number | null = null
  if (entry.action !== 'give_up' && entry.retryAfterMs !== undefined) {
    retryAfterMs =
      typeof entry.retryAfterMs === 'function'
        ? entry.retryAfterMs(safeAttempt)
        : entry.retryAfterMs
  }
  return {
    code: normalizedCode,
    known: true,
    title: entry.title,
    action: entry.action,
    retryAfterMs,
    userMessage: entry.userMessage,
  }
}
