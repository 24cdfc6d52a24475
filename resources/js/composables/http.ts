/**
 * JSON requests from panel pages to the panel's own endpoints (same
 * origin, session cookie). State-changing requests carry the XSRF token
 * from Shield's `XSRF-TOKEN` cookie.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown
  ) {
    super(HttpError.messageOf(body) ?? `HTTP ${status}`)
  }

  /** The first readable message in an AdonisJS error body. */
  static messageOf(body: unknown): string | null {
    if (!body || typeof body !== 'object') return null
    const record = body as Record<string, unknown>
    if (Array.isArray(record.errors) && record.errors.length) {
      const first = record.errors[0] as Record<string, unknown>
      if (typeof first?.message === 'string') return first.message
    }
    if (typeof record.message === 'string') return record.message
    return null
  }
}

function xsrfToken(): string | null {
  const match = document.cookie.split('; ').find((part) => part.startsWith('XSRF-TOKEN='))
  return match ? decodeURIComponent(match.slice('XSRF-TOKEN='.length)) : null
}

export async function http<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let payload: BodyInit | undefined
  if (body instanceof FormData) {
    payload = body
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  if (method !== 'GET') {
    const token = xsrfToken()
    if (token) headers['X-XSRF-TOKEN'] = token
  }
  const response = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' })
  const text = await response.text()
  let data: unknown = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
  }
  if (!response.ok) throw new HttpError(response.status, data)
  return data as T
}

/** A query string from a flat object; empty values are left out, arrays joined by commas. */
export function queryString(params: Record<string, unknown>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '' || value === false) continue
    if (Array.isArray(value)) {
      if (value.length) search.set(key, value.join(','))
    } else if (typeof value === 'object') {
      for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
        if (innerValue !== undefined && innerValue !== null && innerValue !== '')
          search.set(`${key}[${inner}]`, String(innerValue))
      }
    } else {
      search.set(key, value === true ? '1' : String(value))
    }
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}
