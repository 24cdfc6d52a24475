import { fbtraceId } from './ids.js'

/**
 * Meta error codes the simulator produces, with the title Meta puts after
 * `(#code)` and the HTTP status from Meta's Nov 2025 table (reference §5).
 */
export const META_ERRORS: Record<number, { title: string; http: number }> = {
  0: { title: 'AuthException', http: 401 },
  1: { title: 'API Unknown', http: 400 },
  2: { title: 'API Service', http: 503 },
  4: { title: 'API Too Many Calls', http: 400 },
  10: { title: 'Permission Denied', http: 403 },
  33: { title: 'Parameter value is not valid', http: 400 },
  100: { title: 'Invalid parameter', http: 400 },
  190: { title: 'Invalid OAuth access token - Cannot parse access token', http: 401 },
  368: { title: 'Temporarily blocked for policies violations', http: 403 },
  80007: { title: 'Rate limit issues', http: 400 },
  130429: { title: 'Rate limit hit', http: 400 },
  130472: { title: "User's number is part of an experiment", http: 400 },
  130497: {
    title: 'Business account is restricted from messaging users in this country',
    http: 403,
  },
  131000: { title: 'Something went wrong', http: 500 },
  131005: { title: 'Access denied', http: 403 },
  131008: { title: 'Required parameter is missing', http: 400 },
  131009: { title: 'Parameter value is not valid', http: 400 },
  131016: { title: 'Service unavailable', http: 500 },
  131021: { title: 'Recipient cannot be sender', http: 400 },
  131026: { title: 'Message undeliverable', http: 400 },
  131031: { title: 'Account has been locked', http: 403 },
  131037: { title: 'WhatsApp provided number needs display name approval', http: 400 },
  131042: { title: 'Business eligibility payment issue', http: 400 },
  131045: { title: 'Incorrect certificate', http: 500 },
  131047: { title: 'Re-engagement message', http: 400 },
  131048: { title: 'Spam rate limit hit', http: 400 },
  131049: {
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    http: 400,
  },
  131050: { title: 'User has stopped marketing messages', http: 400 },
  131051: { title: 'Unsupported message type', http: 400 },
  131052: { title: 'Media download error', http: 400 },
  131053: { title: 'Media upload error', http: 400 },
  131056: { title: '(Business Account, Consumer Account) pair rate limit hit', http: 400 },
  131057: { title: 'Account in maintenance mode', http: 500 },
  131059: { title: 'Invalid pagination cursor', http: 400 },
  131062: { title: 'Business-scoped user ID recipient not supported', http: 400 },
  132000: { title: 'Number of parameters does not match the expected number of params', http: 400 },
  132001: { title: 'Template name does not exist in the translation', http: 404 },
  132005: { title: 'Translated text too long', http: 400 },
  132007: { title: 'Template format character policy violated', http: 400 },
  132012: { title: 'Parameter format does not match format in the created template', http: 400 },
  132015: { title: 'Template is Paused', http: 400 },
  132016: { title: 'Template is Disabled', http: 400 },
  132018: { title: 'There was an issue with the parameters in your template', http: 400 },
  133004: { title: 'Server temporarily unavailable', http: 503 },
  133005: { title: 'Two step verification PIN Mismatch', http: 400 },
  133010: { title: 'Phone number Not Registered', http: 400 },
  133016: { title: 'Account register deregister rate limit exceeded', http: 400 },
  135000: { title: 'Generic user error', http: 400 },
}

/**
 * Codes Meta reports asynchronously, in a `failed` status webhook, after
 * answering the send with 200 (reference §1.7). Failure injection with
 * one of these accepts the send and fails it later.
 */
export const ASYNC_FAILURE_CODES = new Set([
  131026, 131047, 131049, 131050, 131051, 131052, 131053, 132015, 132016, 132018,
])

export function errorTitle(code: number): string {
  return META_ERRORS[code]?.title ?? 'Simulated error'
}

export function errorHttpStatus(code: number): number {
  return META_ERRORS[code]?.http ?? 400
}

export type MetaErrorBody = {
  error: {
    message: string
    type: string
    code: number
    error_subcode?: number
    error_data: { messaging_product: 'whatsapp'; details: string }
    fbtrace_id: string
  }
}

/**
 * An error answered synchronously, in Meta's shape:
 * `{"error":{"message":"(#code) title","type":"OAuthException","code",
 *   "error_data":{"messaging_product":"whatsapp","details"},"fbtrace_id"}}`.
 */
export class MetaApiError extends Error {
  readonly httpStatus: number
  readonly subcode: number | undefined

  constructor(
    public readonly code: number,
    public readonly details: string,
    options: { httpStatus?: number; subcode?: number; title?: string } = {}
  ) {
    super(`(#${code}) ${options.title ?? errorTitle(code)}`)
    this.httpStatus = options.httpStatus ?? errorHttpStatus(code)
    this.subcode = options.subcode
  }

  toBody(): MetaErrorBody {
    return {
      error: {
        message: this.message,
        type: 'OAuthException',
        code: this.code,
        ...(this.subcode === undefined ? {} : { error_subcode: this.subcode }),
        error_data: { messaging_product: 'whatsapp', details: this.details },
        fbtrace_id: fbtraceId(),
      },
    }
  }
}

/** Shorthand for the "object does not exist" answer (code 100, subcode 33). */
export function unknownObject(id: string, method: string): MetaApiError {
  return new MetaApiError(
    100,
    `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    { subcode: 33 }
  )
}

/** The error object Meta puts inside webhooks (`statuses[].errors[]`, …). */
export type WebhookError = {
  code: number
  title: string
  message: string
  error_data: { details: string }
  href: string
}

export function webhookError(code: number, details?: string): WebhookError {
  const title = errorTitle(code)
  return {
    code,
    title,
    message: title,
    error_data: { details: details ?? title },
    href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
  }
}
