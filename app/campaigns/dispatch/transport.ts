import http from 'node:http'
import https from 'node:https'
import {
  MetaCloudDriver,
  buildMetaMessageBody,
  toChannelSendError,
  type MetaSendContext,
} from '#channels/drivers/meta_cloud_driver'
import { waIdOf } from '#channels/drivers/recipient'
import { GraphError, parseGraphError } from '#channels/meta/graph_client'
import {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type OutboundMessage,
  type SendResult,
} from '#channels/driver'

/**
 * The HTTP transport of campaign sends. At 1,000 messages per second the
 * worker's CPU per send decides the rate, so a campaign's
 * `POST /{phone-number-id}/messages` skips what the general Graph client
 * does for any call (global fetch: web streams, a Request, a Response and
 * its Headers, a URL parsed per call, an AbortSignal timer per call) and
 * goes straight through node:http(s) with keep-alive agents (up to 256
 * sockets per host). The message body (buildMetaMessageBody) and the error
 * mapping (parseGraphError → toChannelSendError) are the meta_cloud
 * driver's own, so a campaign send is built and classified exactly like
 * every other send. Timeouts are swept once a second instead of a timer
 * per request. Every other call of the driver goes through its Graph client.
 */

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 }),
}

type Target = { protocol: 'http:' | 'https:'; hostname: string; port: string; path: string }

type Pending = { request: http.ClientRequest; deadline: number }

const pending = new Set<Pending>()
let sweeper: NodeJS.Timeout | null = null

/** Destroys requests past their deadline (one timer for all of them). */
function watch(entry: Pending, timeoutMs: number) {
  pending.add(entry)
  if (!sweeper) {
    sweeper = setInterval(
      () => {
        const now = Date.now()
        for (const item of pending) {
          if (item.deadline <= now) {
            pending.delete(item)
            const error = new Error(`timed out after ${timeoutMs} ms`)
            error.name = 'TimeoutError'
            item.request.destroy(error)
          }
        }
        if (!pending.size && sweeper) {
          clearInterval(sweeper)
          sweeper = null
        }
      },
      Math.min(1000, timeoutMs)
    )
    sweeper.unref()
  }
}

function networkError(cause: unknown, timeoutMs: number): GraphError {
  const timedOut = cause instanceof Error && cause.name === 'TimeoutError'
  return new GraphError(
    {
      httpStatus: null,
      code: null,
      title: timedOut
        ? `Request to the Graph API timed out after ${timeoutMs} ms`
        : 'Could not reach the Graph API (network error)',
      transient: true,
    },
    { cause }
  )
}

function parseBody(text: string): unknown {
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** POSTs a JSON string; resolves with Meta's answer, throws GraphError. */
function postJson(
  target: Target,
  token: string,
  json: string,
  timeoutMs: number
): Promise<Record<string, unknown> | null> {
  return new Promise((resolve, reject) => {
    const entry: Pending = { request: null as unknown as http.ClientRequest, deadline: 0 }
    const request = (target.protocol === 'https:' ? https : http).request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        method: 'POST',
        agent: agents[target.protocol],
        headers: {
          'Accept': 'application/json',
          'Authorization': `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(json),
        },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', (error) => {
          pending.delete(entry)
          reject(networkError(error, timeoutMs))
        })
        response.on('end', () => {
          pending.delete(entry)
          const status = response.statusCode ?? 500
          const parsed = parseBody(
            chunks.length === 1
              ? chunks[0].toString('utf8')
              : Buffer.concat(chunks).toString('utf8')
          )
          if (status < 200 || status > 299) return reject(parseGraphError(status, parsed))
          // Some Graph endpoints answer 200 with an error body.
          if (isRecord(parsed) && isRecord(parsed.error)) {
            return reject(parseGraphError(status, parsed))
          }
          resolve(isRecord(parsed) ? parsed : null)
        })
      }
    )
    entry.request = request
    entry.deadline = Date.now() + timeoutMs
    watch(entry, timeoutMs)
    request.on('error', (error) => {
      pending.delete(entry)
      reject(networkError(error, timeoutMs))
    })
    request.end(json)
  })
}

/** The meta_cloud driver with campaign sends on the lean transport. */
export class CampaignMetaDriver extends MetaCloudDriver {
  #targets = new Map<string, Target>()

  #target(phoneNumberId: string): Target {
    let target = this.#targets.get(phoneNumberId)
    if (!target) {
      const url = new URL(
        `${this.client.baseUrl}/${this.client.version}/${encodeURIComponent(phoneNumberId)}/messages`
      )
      target = {
        protocol: url.protocol === 'https:' ? 'https:' : 'http:',
        hostname: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
      }
      this.#targets.set(phoneNumberId, target)
    }
    return target
  }

  async send(
    credentials: ChannelCredentials,
    message: OutboundMessage,
    context: MetaSendContext = {}
  ): Promise<SendResult> {
    const { phoneNumberId, accessToken } = credentials
    if (!accessToken || !phoneNumberId) {
      throw new ChannelSendError(
        'The channel is missing its phone number id or access token: reconnect it in Settings › Channels.',
        null,
        'give_up'
      )
    }
    const body = buildMetaMessageBody(message)
    let response: Record<string, unknown> | null
    try {
      response = await postJson(
        this.#target(phoneNumberId),
        accessToken,
        JSON.stringify(body),
        this.client.timeoutMs
      )
    } catch (error) {
      throw toChannelSendError(error, context.attempt ?? 1)
    }
    const messages = response?.messages
    const first = Array.isArray(messages) && isRecord(messages[0]) ? messages[0] : null
    const providerMessageId = typeof first?.id === 'string' ? first.id : null
    if (!providerMessageId) {
      throw new ChannelSendError(
        'WhatsApp accepted the request but returned no message id.',
        null,
        'give_up',
        null,
        JSON.stringify(response ?? null).slice(0, 500)
      )
    }
    const contacts = response?.contacts
    const contact = Array.isArray(contacts) && isRecord(contacts[0]) ? contacts[0] : null
    const waId = typeof contact?.wa_id === 'string' ? contact.wa_id : waIdOf(String(body.to))
    return { providerMessageId, waId }
  }
}

let campaignDriver: CampaignMetaDriver | null = null

/**
 * The driver for a campaign's sends: the meta_cloud driver with sends on
 * the lean transport; any other driver (or a replaced meta_cloud one,
 * e.g. in tests) as registered.
 */
export function campaignDriverFor(registered: ChannelDriver): ChannelDriver {
  if (!(registered instanceof MetaCloudDriver)) return registered
  campaignDriver ??= new CampaignMetaDriver()
  return campaignDriver
}
