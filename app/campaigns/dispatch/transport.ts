import http from 'node:http'
import https from 'node:https'
import { MetaCloudDriver } from '#channels/drivers/meta_cloud_driver'
import type { ChannelDriver } from '#channels/driver'

/**
 * The HTTP transport of campaign sends: node:http(s) with keep-alive
 * agents (up to 256 sockets per host), presented as `fetch` to the Graph
 * client, so the meta_cloud driver's request building and error mapping
 * are the same as for every other send. At 1,000 messages per second the
 * global fetch (undici, web streams, one Request object per call) cost
 * about twice the CPU per send in the worker; campaign sends only carry a
 * JSON body and read a small JSON answer, which this does directly.
 * Anything else (FormData bodies) goes to the global fetch.
 */

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 }),
}

export const keepAliveFetch: typeof fetch = (input, init) => {
  const body = init?.body
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return globalThis.fetch(input, init)
  }
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:'
  const headers: Record<string, string> = {}
  for (const [key, value] of Object.entries((init?.headers ?? {}) as Record<string, string>)) {
    headers[key] = value
  }
  if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body))

  return new Promise<Response>((resolve, reject) => {
    const request = (protocol === 'https:' ? https : http).request(
      url,
      { method: init?.method ?? 'GET', headers, agent: agents[protocol] },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', reject)
        response.on('end', () => {
          const responseHeaders = new Headers()
          for (const [key, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') responseHeaders.set(key, value)
          }
          const status = response.statusCode ?? 500
          const bytes = Buffer.concat(chunks)
          resolve(
            new Response(status === 204 || status === 304 ? null : bytes, {
              status,
              headers: responseHeaders,
            })
          )
        })
      }
    )
    const signal = init?.signal
    if (signal) {
      if (signal.aborted) {
        request.destroy(signal.reason)
      } else {
        const abort = () => request.destroy(signal.reason)
        signal.addEventListener('abort', abort, { once: true })
        request.once('close', () => signal.removeEventListener('abort', abort))
      }
    }
    request.on('error', reject)
    request.end(body ?? undefined)
  })
}

let campaignDriver: MetaCloudDriver | null = null

/**
 * The driver for a campaign's sends: the meta_cloud driver over the
 * keep-alive transport; any other driver (or a replaced meta_cloud one,
 * e.g. in tests) as registered.
 */
export function campaignDriverFor(registered: ChannelDriver): ChannelDriver {
  if (!(registered instanceof MetaCloudDriver)) return registered
  campaignDriver ??= new MetaCloudDriver({ fetch: keepAliveFetch })
  return campaignDriver
}
