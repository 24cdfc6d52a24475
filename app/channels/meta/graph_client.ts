import env from '#start/env'

/**
 * A small typed client for the Graph API calls Parley makes to the WhatsApp
 * Cloud API (sending, media, phone numbers, embedded-signup onboarding,
 * business profile). It runs on the global `fetch`, keeps no state besides
 * its options, and never logs or echoes tokens or secrets: errors carry
 * Meta's code, title, details and trace id, never the request URL or headers.
 */

export type GraphClientOptions = {
  /** Defaults to META_GRAPH_URL, then https://graph.facebook.com. */
  baseUrl?: string
  /** Defaults to META_API_VERSION, then v24.0. */
  version?: string
  /** Per-request timeout for JSON calls (default 10 s). */
  timeoutMs?: number
  /** Timeout for media byte downloads (default 60 s; documents go up to 100 MB). */
  downloadTimeoutMs?: number
  /** Injected fetch (tests); defaults to the global one. */
  fetch?: typeof fetch
}

export type GraphErrorInit = {
  httpStatus: number | null
  code: number | null
  subcode?: number | null
  title: string
  details?: string | null
  fbtraceId?: string | null
  type?: string | null
  transient?: boolean
}

/**
 * An error from the Graph API (Meta's `{ error: {...} }` shape) or from the
 * way there: network failure, timeout, or a 5xx/429 without an error body,
 * which carry `code: null` and `transient: true`.
 */
export class GraphError extends Error {
  readonly httpStatus: number | null
  readonly code: number | null
  readonly subcode: number | null
  readonly title: string
  readonly details: string | null
  readonly fbtraceId: string | null
  readonly type: string | null
  readonly transient: boolean

  constructor(init: GraphErrorInit, options?: { cause?: unknown }) {
    super(
      init.code === null ? init.title : `(#${init.code}) ${init.title}`,
      options?.cause === undefined ? undefined : { cause: options.cause }
    )
    this.name = 'GraphError'
    this.httpStatus = init.httpStatus
    this.code = init.code
    this.subcode = init.subcode ?? null
    this.title = init.title
    this.details = init.details ?? null
    this.fbtraceId = init.fbtraceId ?? null
    this.type = init.type ?? null
    this.transient = init.transient ?? false
  }
}

/* ------------------------------------------------------------------ types */

export type SendMessageResponse = {
  messaging_product: 'whatsapp'
  contacts?: { input: string; wa_id?: string; user_id?: string }[]
  messages: { id: string; message_status?: string }[]
}

export type SuccessResponse = { success: boolean }

export type MediaUrlResponse = {
  url: string
  mime_type: string
  sha256?: string
  file_size?: number | string
  id: string
  messaging_product?: string
}

export type DownloadedMedia = {
  bytes: Uint8Array
  mimeType: string
  sha256: string | null
  fileSize: number | null
}

export type PhoneNumberInfo = {
  id: string
  display_phone_number?: string
  verified_name?: string
  quality_rating?: string
  status?: string
  name_status?: string
  code_verification_status?: string
  platform_type?: string
  messaging_limit_tier?: string
  whatsapp_business_manager_messaging_limit?: unknown
  throughput?: { level?: string }
  [field: string]: unknown
}

export type GraphList<T> = {
  data: T[]
  paging?: { cursors?: { before?: string; after?: string }; next?: string }
}

export type AccessTokenResponse = {
  access_token: string
  token_type?: string
  expires_in?: number
}

export type BusinessProfile = {
  about?: string
  address?: string
  description?: string
  email?: string
  profile_picture_url?: string
  websites?: string[]
  vertical?: string
  messaging_product?: 'whatsapp'
}

export type BusinessProfileUpdate = Omit<BusinessProfile, 'profile_picture_url'> & {
  profile_picture_handle?: string
}

export const DEFAULT_BUSINESS_PROFILE_FIELDS = [
  'about',
  'address',
  'description',
  'email',
  'profile_picture_url',
  'websites',
  'vertical',
] as const

type QueryValue = string | number | boolean | undefined | null

type RequestOptions = {
  token?: string | null
  query?: Record<string, QueryValue>
  json?: unknown
  form?: FormData
  timeoutMs?: number
}

const DEFAULT_BASE_URL = 'https://graph.facebook.com'
const DEFAULT_VERSION = 'v24.0'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toNumberOrNull(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value)
  }
  return null
}

/** Meta prefixes messages with "(#131047) "; the code is kept apart. */
function stripCodePrefix(message: string): string {
  return message.replace(/^\(#\d+\)\s*/, '')
}

function isTransientStatus(status: number) {
  return status >= 500 || status === 429 || status === 408
}

/**
 * Turns a non-2xx response body into a GraphError. A body with Meta's error
 * shape is authoritative; anything else is judged by the HTTP status.
 */
export function parseGraphError(httpStatus: number, body: unknown): GraphError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : null
  if (error) {
    const errorData = isRecord(error.error_data) ? error.error_data : null
    const code = toNumberOrNull(error.code)
    const rawMessage = typeof error.message === 'string' ? error.message : ''
    const title =
      (typeof error.error_user_title === 'string' && error.error_user_title) ||
      stripCodePrefix(rawMessage) ||
      `Graph API error ${httpStatus}`
    const details =
      (errorData && typeof errorData.details === 'string' ? errorData.details : null) ??
      (typeof error.error_user_msg === 'string' ? error.error_user_msg : null)
    return new GraphError({
      httpStatus,
      code,
      subcode: toNumberOrNull(error.error_subcode),
      title,
      details,
      fbtraceId: typeof error.fbtrace_id === 'string' ? error.fbtrace_id : null,
      type: typeof error.type === 'string' ? error.type : null,
      transient: code === null && isTransientStatus(httpStatus),
    })
  }
  return new GraphError({
    httpStatus,
    code: null,
    title: `Graph API responded with HTTP ${httpStatus}`,
    transient: isTransientStatus(httpStatus),
  })
}

function networkError(cause: unknown, timeoutMs: number): GraphError {
  const name = cause instanceof Error ? cause.name : isRecord(cause) ? cause.name : null
  const timedOut = name === 'TimeoutError' || name === 'AbortError'
  return new GraphError(
    {
      httpStatus: null,
      code: null,
      title: timedOut
        ? `Request to the Graph API timed out after ${timeoutMs} ms`
        : 'Could not reach the Graph API (network error)',
      transient: true,
    },
    // The cause of a fetch failure names the host, never the token.
    { cause }
  )
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export class GraphClient {
  readonly baseUrl: string
  readonly version: string
  readonly timeoutMs: number
  readonly downloadTimeoutMs: number
  #fetch: typeof fetch

  constructor(options: GraphClientOptions = {}) {
    const baseUrl = options.baseUrl ?? env.get('META_GRAPH_URL') ?? DEFAULT_BASE_URL
    this.baseUrl = (baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '')
    const version = options.version ?? env.get('META_API_VERSION') ?? DEFAULT_VERSION
    const trimmed = (version || DEFAULT_VERSION).replace(/^\/+|\/+$/g, '')
    this.version = /^\d/.test(trimmed) ? `v${trimmed}` : trimmed
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.downloadTimeoutMs = options.downloadTimeoutMs ?? 60_000
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  }

  /** Major version number ("v24.0" → 24), or null when unparsable. */
  get majorVersion(): number | null {
    const match = /^v?(\d+)/.exec(this.version)
    return match ? Number(match[1]) : null
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const url = new URL(`${this.baseUrl}/${this.version}/${path.replace(/^\/+/, '')}`)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value))
    }
    return url.toString()
  }

  /**
   * One Graph call: JSON in (or multipart), JSON out; throws GraphError.
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (options.token) headers.Authorization = `Bearer ${options.token}`
    let body: string | FormData | undefined
    if (options.form) {
      body = options.form
    } else if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(options.json)
    }

    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    let response: Response
    let parsed: unknown
    try {
      response = await this.#fetch(this.url(path, options.query), {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      })
      parsed = await readBody(response)
    } catch (error) {
      throw networkError(error, timeoutMs)
    }

    if (!response.ok) throw parseGraphError(response.status, parsed)
    // Some Graph endpoints answer 200 with an error body.
    if (isRecord(parsed) && isRecord(parsed.error)) throw parseGraphError(response.status, parsed)
    return parsed as T
  }

  /* ------------------------------------------------------------ messages */

  /** `POST /{phone-number-id}/messages` with a body built by the driver. */
  sendMessage(token: string, phoneNumberId: string, body: Record<string, unknown>) {
    return this.request<SendMessageResponse>(
      'POST',
      `${encodeURIComponent(phoneNumberId)}/messages`,
      {
        token,
        json: { messaging_product: 'whatsapp', ...body },
      }
    )
  }

  /**
   * Marks an inbound message (and every earlier one) as read; with
   * `typing: true` also shows the typing indicator (up to 25 s or until the reply).
   */
  markRead(
    token: string,
    phoneNumberId: string,
    messageId: string,
    options: { typing?: boolean } = {}
  ) {
    return this.request<SuccessResponse>('POST', `${encodeURIComponent(phoneNumberId)}/messages`, {
      token,
      json: {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        ...(options.typing ? { typing_indicator: { type: 'text' } } : {}),
      },
    })
  }

  /* --------------------------------------------------------------- media */

  /** Multipart upload; returns the media id (valid 30 days). */
  uploadMedia(
    token: string,
    phoneNumberId: string,
    file: { bytes: Uint8Array; mimeType: string; filename: string }
  ) {
    const form = new FormData()
    form.append('messaging_product', 'whatsapp')
    form.append('type', file.mimeType)
    form.append('file', new Blob([file.bytes], { type: file.mimeType }), file.filename)
    return this.request<{ id: string }>('POST', `${encodeURIComponent(phoneNumberId)}/media`, {
      token,
      form,
      timeoutMs: this.downloadTimeoutMs,
    })
  }

  /** `GET /{media-id}`: a download URL valid for 5 minutes, plus metadata. */
  getMediaUrl(token: string, mediaId: string, phoneNumberId?: string | null) {
    return this.request<MediaUrlResponse>('GET', encodeURIComponent(mediaId), {
      token,
      query: { phone_number_id: phoneNumberId ?? undefined },
    })
  }

  /**
   * Resolves the media URL, then downloads the bytes with the same bearer
   * token. The URL expires after 5 minutes: on a 404 it is fetched once more.
   */
  async downloadMediaBytes(
    token: string,
    mediaId: string,
    phoneNumberId?: string | null
  ): Promise<DownloadedMedia> {
    let meta = await this.getMediaUrl(token, mediaId, phoneNumberId)
    let response = await this.#download(token, meta.url)
    if (response.status === 404) {
      await response.body?.cancel().catch(() => {})
      meta = await this.getMediaUrl(token, mediaId, phoneNumberId)
      response = await this.#download(token, meta.url)
    }
    if (!response.ok) {
      const parsed = await readBody(response).catch(() => null)
      throw parseGraphError(response.status, parsed)
    }
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await response.arrayBuffer())
    } catch (error) {
      throw networkError(error, this.downloadTimeoutMs)
    }
    return {
      bytes,
      mimeType:
        meta.mime_type || response.headers.get('content-type') || 'application/octet-stream',
      sha256: meta.sha256 ?? null,
      fileSize: toNumberOrNull(meta.file_size),
    }
  }

  async #download(token: string, url: string): Promise<Response> {
    try {
      return await this.#fetch(url, {
        method: 'GET',
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(this.downloadTimeoutMs),
      })
    } catch (error) {
      throw networkError(error, this.downloadTimeoutMs)
    }
  }

  /** `DELETE /{media-id}`. */
  deleteMedia(token: string, mediaId: string, phoneNumberId?: string | null) {
    return this.request<SuccessResponse>('DELETE', encodeURIComponent(mediaId), {
      token,
      query: { phone_number_id: phoneNumberId ?? undefined },
    })
  }

  /* ------------------------------------------------- numbers, onboarding */

  /** `GET /{phone-number-id}?fields=...`. */
  phoneNumber(token: string, phoneNumberId: string, fields: readonly string[]) {
    return this.request<PhoneNumberInfo>('GET', encodeURIComponent(phoneNumberId), {
      token,
      query: { fields: fields.join(',') },
    })
  }

  /** `GET /{waba-id}/phone_numbers`. */
  wabaPhoneNumbers(token: string, wabaId: string, fields?: readonly string[]) {
    return this.request<GraphList<PhoneNumberInfo>>(
      'GET',
      `${encodeURIComponent(wabaId)}/phone_numbers`,
      { token, query: { fields: fields?.length ? fields.join(',') : undefined } }
    )
  }

  /**
   * `POST /{phone-number-id}/register` with the 6-digit two-step PIN
   * (10 calls per number per 72 h, then 133016).
   */
  registerPhone(
    token: string,
    phoneNumberId: string,
    pin: string,
    options: { dataLocalizationRegion?: string } = {}
  ) {
    return this.request<SuccessResponse>('POST', `${encodeURIComponent(phoneNumberId)}/register`, {
      token,
      json: {
        messaging_product: 'whatsapp',
        pin,
        ...(options.dataLocalizationRegion
          ? { data_localization_region: options.dataLocalizationRegion }
          : {}),
      },
    })
  }

  /**
   * `POST /{waba-id}/subscribed_apps`: without it no webhooks arrive for the
   * WABA. An override callback applies to `messages` webhooks only.
   */
  subscribeApp(
    token: string,
    wabaId: string,
    override?: { callbackUri: string; verifyToken: string }
  ) {
    return this.request<SuccessResponse>('POST', `${encodeURIComponent(wabaId)}/subscribed_apps`, {
      token,
      json: override
        ? { override_callback_uri: override.callbackUri, verify_token: override.verifyToken }
        : undefined,
    })
  }

  /**
   * Embedded signup: exchanges the 30-second code for the customer's
   * business token. Server to server only; the secret never leaves here.
   */
  exchangeCode(appId: string, appSecret: string, code: string) {
    return this.request<AccessTokenResponse>('GET', 'oauth/access_token', {
      query: { client_id: appId, client_secret: appSecret, code },
    })
  }

  /* ---------------------------------------------------- business profile */

  async getBusinessProfile(
    token: string,
    phoneNumberId: string,
    fields: readonly string[] = DEFAULT_BUSINESS_PROFILE_FIELDS
  ): Promise<BusinessProfile | null> {
    const response = await this.request<GraphList<BusinessProfile>>(
      'GET',
      `${encodeURIComponent(phoneNumberId)}/whatsapp_business_profile`,
      { token, query: { fields: fields.join(',') } }
    )
    return response.data?.[0] ?? null
  }

  /** Sends only the given fields (Meta keeps the others). */
  updateBusinessProfile(token: string, phoneNumberId: string, profile: BusinessProfileUpdate) {
    return this.request<SuccessResponse>(
      'POST',
      `${encodeURIComponent(phoneNumberId)}/whatsapp_business_profile`,
      { token, json: { ...profile, messaging_product: 'whatsapp' } }
    )
  }
}
