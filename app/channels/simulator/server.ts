import { createHash, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ASYNC_FAILURE_CODES, MetaApiError, unknownObject } from './errors.js'
import { newAccessToken, newNumericId, newWamid, randomToken } from './ids.js'
import { checkMedia, parseMultipart } from './media.js'
import { serializeLikeMeta, signPayload, signPayloadSha1 } from './serialize.js'
import { checkOtpButtons } from './template_otp.js'
import type {
  BatchEvent,
  BatchResult,
  BusinessProfile,
  Delivery,
  InboundMessageInput,
  InboundResult,
  MetaSimulatorOptions,
  ReadReceipt,
  SentMessage,
  SimulatorNumber,
  StatusEvent,
  StatusName,
  StatusOptions,
  StoredMedia,
  StoredTemplate,
} from './types.js'
import { validateSend } from './validate_send.js'
import type { ValidatedSend } from './validate_send.js'
import { buildInbound, buildStatus, envelope, metadataOf } from './webhook_payloads.js'
import type { WebhookChange, WebhookEntry } from './webhook_payloads.js'

type Json = Record<string, unknown>

export const DEFAULT_NUMBER: SimulatorNumber = {
  phoneNumberId: '100000000000001',
  wabaId: '200000000000001',
  displayPhoneNumber: '+1 555-010-0001',
  verifiedName: 'Parley Demo',
  qualityRating: 'GREEN',
  messagingLimit: 'TIER_2K',
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const MEDIA_URL_TTL = 5 * MINUTE
const SIGNUP_CODE_TTL = 30_000
const REGISTER_LIMIT = 10
const REGISTER_WINDOW = 72 * HOUR
const MAX_BODY_BYTES = 110 * 1024 * 1024
const MAX_BATCH_UPDATES = 1000

const VERTICALS = new Set([
  'UNDEFINED',
  'OTHER',
  'AUTO',
  'BEAUTY',
  'APPAREL',
  'EDU',
  'ENTERTAIN',
  'EVENT_PLAN',
  'FINANCE',
  'GROCERY',
  'GOVT',
  'HOTEL',
  'HEALTH',
  'NONPROFIT',
  'PROF_SERVICES',
  'RETAIL',
  'TRAVEL',
  'RESTAURANT',
  'ALCOHOL',
  'ONLINE_GAMBLING',
  'PHYSICAL_GAMBLING',
  'OTC_DRUGS',
  'NOT_A_BIZ',
])
const TEMPLATE_CATEGORIES = new Set(['MARKETING', 'UTILITY', 'AUTHENTICATION'])
const TEMPLATE_STATUSES = new Set([
  'APPROVED',
  'ARCHIVED',
  'DELETED',
  'DISABLED',
  'FLAGGED',
  'IN_APPEAL',
  'LIMIT_EXCEEDED',
  'LOCKED',
  'PAUSED',
  'PENDING',
  'REINSTATED',
  'PENDING_DELETION',
  'REJECTED',
])

type NumberState = SimulatorNumber & {
  registered: boolean
  pin: string | null
  registerCalls: number[]
  profile: BusinessProfile
  overrideCallbackUri: string | null
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

type WabaState = { id: string; subscribed: boolean; overrideCallbackUri: string | null }

/**
 * Everything the simulator holds, for assertions, plus seed helpers.
 */
export class SimulatorState {
  readonly numbers = new Map<string, NumberState>()
  readonly wabas = new Map<string, WabaState>()
  /** Every accepted send, in order. */
  readonly sent: SentMessage[] = []
  readonly sentById = new Map<string, SentMessage>()
  /** Mark-as-read / typing calls. */
  readonly reads: ReadReceipt[] = []
  readonly media = new Map<string, StoredMedia>()
  readonly templates = new Map<string, StoredTemplate>()
  /** Resumable upload sessions ("upload:…") and the handles they produced. */
  readonly uploads = new Map<
    string,
    {
      fileName: string
      fileLength: number
      fileType: string
      bytes: Buffer | null
      handle: string | null
    }
  >()
  /** Recent webhook POSTs (at most `keepDeliveries`). */
  readonly deliveries: Delivery[] = []
  readonly signupCodes = new Map<
    string,
    { wabaId: string; phoneNumberId: string; expiresAt: number; used: boolean }
  >()
  /** Tokens minted by the OAuth code exchange, with the assets they were issued for. */
  readonly issuedTokens = new Map<string, { wabaId: string; phoneNumberId: string }>()
  readonly expiredTokens = new Set<string>()
  /** Last simulated inbound per `${phoneNumberId}:${waId or BSUID}` (24 h window). */
  readonly lastInbound = new Map<string, number>()
  readonly mediaUrls = new Map<string, { mediaId: string; expiresAt: number }>()
  /** Codes the next sends fail with, before failure injection. */
  readonly forcedFailures: number[] = []
  /**
   * Every send request that reached the throughput check (accepted or
   * refused with 130429): number and time, for "most sends in any window".
   */
  readonly sendAttempts: { phoneNumberId: string; at: number }[] = []
  webhookUrl: string | undefined

  constructor(
    private readonly clock: () => number,
    private readonly hooks: {
      templateStatusChanged: (template: StoredTemplate, reason: string | null) => Promise<Delivery>
    }
  ) {}

  addNumber(number: SimulatorNumber): NumberState {
    const state: NumberState = {
      qualityRating: 'GREEN',
      messagingLimit: 'TIER_2K',
      ...number,
      registered: number.registered ?? true,
      pin: null,
      registerCalls: [],
      overrideCallbackUri: null,
      profile: {
        about: 'Hey there! I am using WhatsApp.',
        address: '',
        description: '',
        email: '',
        websites: [],
        vertical: 'UNDEFINED',
        profile_picture_url: '',
      },
    }
    this.numbers.set(number.phoneNumberId, state)
    if (!this.wabas.has(number.wabaId)) {
      this.wabas.set(number.wabaId, {
        id: number.wabaId,
        subscribed: false,
        overrideCallbackUri: null,
      })
    }
    return state
  }

  /** Stores media (inbound by default: downloadable for 7 days) and returns its id. */
  addMedia(
    bytes: Uint8Array | string,
    mime: string,
    options: { filename?: string; origin?: 'upload' | 'inbound'; phoneNumberId?: string } = {}
  ): string {
    return this.storeMedia(Buffer.from(bytes), mime, {
      filename: options.filename ?? null,
      origin: options.origin ?? 'inbound',
      phoneNumberId: options.phoneNumberId ?? null,
    }).id
  }

  storeMedia(
    bytes: Buffer,
    mime: string,
    options: { filename: string | null; origin: 'upload' | 'inbound'; phoneNumberId: string | null }
  ): StoredMedia {
    const now = this.clock()
    const media: StoredMedia = {
      id: newNumericId(),
      bytes,
      mimeType: mime,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      fileSize: bytes.byteLength,
      filename: options.filename,
      phoneNumberId: options.phoneNumberId,
      origin: options.origin,
      createdAt: now,
      expiresAt: now + (options.origin === 'upload' ? 30 : 7) * DAY,
    }
    this.media.set(media.id, media)
    return media
  }

  /** An embedded-signup code, exchangeable for 30 s (reference §7). */
  addSignupCode(code: string, assets: { wabaId: string; phoneNumberId: string }) {
    this.signupCodes.set(code, {
      ...assets,
      expiresAt: this.clock() + SIGNUP_CODE_TTL,
      used: false,
    })
  }

  /** Seeds a template directly (default status APPROVED). */
  addTemplate(template: {
    wabaId?: string
    name: string
    language: string
    category?: string
    status?: string
    components?: Record<string, unknown>[]
  }): StoredTemplate {
    const stored: StoredTemplate = {
      id: newNumericId(),
      wabaId:
        template.wabaId ?? this.numbers.values().next().value?.wabaId ?? DEFAULT_NUMBER.wabaId,
      name: template.name,
      language: template.language,
      category: template.category ?? 'UTILITY',
      status: template.status ?? 'APPROVED',
      parameterFormat: 'positional',
      components: template.components ?? [{ type: 'BODY', text: template.name }],
      qualityScore: 'UNKNOWN',
      rejectedReason: 'NONE',
      createdAt: this.clock(),
    }
    this.templates.set(stored.id, stored)
    return stored
  }

  /**
   * Moves a template to `status` and POSTs a signed
   * `message_template_status_update` webhook.
   */
  async setTemplateStatus(id: string, status: string, reason?: string): Promise<Delivery> {
    const template = this.templates.get(id)
    if (!template) throw new Error(`Unknown template ${id}`)
    if (!TEMPLATE_STATUSES.has(status)) throw new Error(`Unknown template status ${status}`)
    template.status = status
    template.rejectedReason = status === 'REJECTED' ? (reason ?? 'NONE') : 'NONE'
    return this.hooks.templateStatusChanged(template, reason ?? null)
  }

  /** The next `times` sends fail with `code` (sync error, or a failed webhook for async codes). */
  failNext(code: number, times = 1) {
    for (let i = 0; i < times; i++) this.forcedFailures.push(code)
  }

  /**
   * The most send requests one number (or all) received in any `windowMs`
   * sliding window (accepted and throttled ones alike).
   */
  maxSendsInWindow(windowMs = 1000, phoneNumberId?: string): number {
    const times = this.sendAttempts
      .filter((attempt) => !phoneNumberId || attempt.phoneNumberId === phoneNumberId)
      .map((attempt) => attempt.at)
      .sort((a, b) => a - b)
    let max = 0
    for (let start = 0, end = 0; end < times.length; end++) {
      while (times[end] - times[start] >= windowMs) start++
      max = Math.max(max, end - start + 1)
    }
    return max
  }

  /** Makes a token answer 190 (subcode 463, expired) from now on. */
  expireToken(token: string) {
    this.expiredTokens.add(token)
  }

  /** Opens (or refreshes) the 24 h window for a user without sending a webhook. */
  openWindow(phoneNumberId: string, user: string) {
    this.lastInbound.set(`${phoneNumberId}:${user.replace(/^\+/, '')}`, this.clock())
  }
}

export type MetaSimulator = {
  start(): Promise<{ url: string }>
  stop(): Promise<void>
  readonly state: SimulatorState
  /** Base URL once started (no version prefix). */
  readonly url: string
  readonly apiVersion: string
  /** POSTs one signed inbound `messages` webhook. */
  inbound(input: InboundMessageInput): Promise<InboundResult>
  /** POSTs many updates (messages and statuses) in one webhook, grouped per WABA and number. */
  batch(events: BatchEvent[]): Promise<BatchResult>
  /** POSTs one status webhook for a wamid. */
  status(wamid: string, status: StatusName, options?: StatusOptions): Promise<Delivery>
  /** POSTs an arbitrary envelope (serialized and signed like Meta). */
  deliver(payload: unknown, options?: { field?: string; url?: string }): Promise<Delivery>
  /** Meta's GET verification handshake; true when the challenge was echoed. */
  verifyWebhook(verifyToken: string, url?: string): Promise<boolean>
  /** Resolves once every background webhook (auto statuses, async failures) was posted. */
  idle(): Promise<void>
}

/**
 * A Meta WhatsApp Cloud API simulator on plain `node:http` (see
 * docs/meta-simulator.md). No AdonisJS imports: benchmarks run it in
 * their own process.
 */
export function createMetaSimulator(options: MetaSimulatorOptions = {}): MetaSimulator {
  const clock = options.clock ?? Date.now
  const random = options.random ?? Math.random
  const apiVersion = options.apiVersion ?? 'v24.0'
  const defaultMps = options.mps ?? 80
  const configuredTokens = new Set((options.accessTokens ?? []).filter(Boolean))
  const keepDeliveries = options.keepDeliveries ?? 1000
  const pending = new Set<Promise<unknown>>()
  const sendWindows = new Map<string, number[]>()
  /** Pair rate limit: recent send times per `${phoneNumberId}:${user}`. */
  const pairSends = new Map<string, number[]>()

  let server: Server | null = null
  let baseUrl = ''

  const state = new SimulatorState(clock, {
    templateStatusChanged: (template, reason) =>
      postChanges(
        [
          {
            id: template.wabaId,
            time: seconds(),
            changes: [
              {
                field: 'message_template_status_update',
                value: {
                  event: template.status,
                  message_template_id: Number(template.id),
                  message_template_name: template.name,
                  message_template_language: template.language,
                  reason: template.status === 'PENDING_DELETION' ? null : (reason ?? 'NONE'),
                  message_template_category: template.category,
                },
              },
            ],
          },
        ],
        'message_template_status_update'
      ),
  })
  state.webhookUrl = options.webhookUrl
  for (const number of options.numbers?.length ? options.numbers : [DEFAULT_NUMBER]) {
    state.addNumber(number)
  }

  const seconds = (at = clock()) => Math.floor(at / 1000)

  function track<T>(promise: Promise<T>): Promise<T> {
    pending.add(promise)
    void promise.finally(() => pending.delete(promise)).catch(() => {})
    return promise
  }

  function firstNumber(): NumberState {
    const number = state.numbers.values().next().value
    if (!number) throw new Error('The simulator has no phone numbers')
    return number
  }

  function numberFor(phoneNumberId: string | undefined): NumberState {
    if (phoneNumberId === undefined) return firstNumber()
    const number = state.numbers.get(phoneNumberId)
    if (!number) throw new Error(`Unknown phone number id ${phoneNumberId}`)
    return number
  }

  function templateCategoryOf(sent: SentMessage | undefined): string | null {
    if (!sent || sent.type !== 'template') return null
    const template = sent.body.template as Json
    const language = (template.language as Json | undefined)?.code
    const wabaId = state.numbers.get(sent.phoneNumberId)?.wabaId
    for (const stored of state.templates.values()) {
      if (
        stored.wabaId === wabaId &&
        stored.name === template.name &&
        stored.language === language
      ) {
        return stored.category.toLowerCase()
      }
    }
    return null
  }

  // ---------------------------------------------------------------- webhooks

  function targetFor(field: string, wabaId: string | null, phoneNumberId: string | null) {
    if (field === 'messages') {
      const numberOverride = phoneNumberId
        ? state.numbers.get(phoneNumberId)?.overrideCallbackUri
        : null
      if (numberOverride) return numberOverride
      const wabaOverride = wabaId ? state.wabas.get(wabaId)?.overrideCallbackUri : null
      if (wabaOverride) return wabaOverride
    }
    return state.webhookUrl ?? null
  }

  async function post(payload: unknown, field: string, url: string | null): Promise<Delivery> {
    const raw = serializeLikeMeta(payload)
    const signature = options.appSecret ? signPayload(raw, options.appSecret) : null
    const delivery: Delivery = {
      url,
      field,
      raw,
      signature,
      status: 0,
      ok: false,
      error: null,
      at: clock(),
    }
    if (!url) {
      delivery.error = 'No webhook URL configured'
    } else {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'facebookexternalua',
      }
      if (options.appSecret && signature) {
        headers['x-hub-signature'] = signPayloadSha1(raw, options.appSecret)
        headers['x-hub-signature-256'] = signature
      }
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: Buffer.from(raw, 'utf8'),
          signal: AbortSignal.timeout(15_000),
        })
        await response.arrayBuffer()
        delivery.status = response.status
        delivery.ok = response.status >= 200 && response.status < 300
      } catch (error) {
        delivery.error = error instanceof Error ? error.message : String(error)
      }
    }
    state.deliveries.push(delivery)
    if (state.deliveries.length > keepDeliveries) {
      state.deliveries.splice(0, state.deliveries.length - keepDeliveries)
    }
    return delivery
  }

  function postChanges(entries: WebhookEntry[], field: string): Promise<Delivery> {
    const firstChange = entries[0]?.changes[0]
    const phoneNumberId = (firstChange?.value.metadata as Json | undefined)?.phone_number_id
    const url = targetFor(
      field,
      entries[0]?.id ?? null,
      typeof phoneNumberId === 'string' ? phoneNumberId : null
    )
    return track(post(envelope(entries), field, url))
  }

  function inboundMessage(input: InboundMessageInput) {
    const number = numberFor(input.phoneNumberId)
    const waId = input.from.replace(/\D/g, '')
    const built = buildInbound(input, {
      number,
      wamid: input.id ?? newWamid(waId),
      timestamp: String(input.timestamp ?? seconds()),
      seedMedia: (bytes, mime, filename) =>
        state.storeMedia(bytes, mime, {
          filename,
          origin: 'inbound',
          phoneNumberId: number.phoneNumberId,
        }),
      findMedia: (id) => state.media.get(id),
    })
    // The message opens the user's 24 h customer service window.
    const at = input.timestamp === undefined ? clock() : input.timestamp * 1000
    state.lastInbound.set(`${number.phoneNumberId}:${waId}`, at)
    const userId = built.contact.user_id
    if (typeof userId === 'string') state.lastInbound.set(`${number.phoneNumberId}:${userId}`, at)
    return { number, ...built }
  }

  function statusItem(wamid: string, name: StatusName, statusOptions: StatusOptions = {}) {
    const sent = state.sentById.get(wamid)
    const number = numberFor(statusOptions.phoneNumberId ?? sent?.phoneNumberId)
    const item = buildStatus(
      wamid,
      name,
      { ...statusOptions, timestamp: statusOptions.timestamp ?? seconds() },
      sent,
      apiVersion,
      templateCategoryOf(sent)
    )
    return { number, item }
  }

  async function inbound(input: InboundMessageInput): Promise<InboundResult> {
    const { number, contact, message } = inboundMessage(input)
    const payload = envelope([
      {
        id: number.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: metadataOf(number),
              contacts: [contact],
              messages: [message],
            },
          },
        ],
      },
    ])
    const delivery = await postChanges(payload.entry, 'messages')
    return { wamid: message.id as string, delivery, payload }
  }

  async function batch(events: BatchEvent[]): Promise<BatchResult> {
    if (events.length === 0) throw new RangeError('batch() needs at least one event')
    if (events.length > MAX_BATCH_UPDATES) {
      throw new RangeError(`Meta batches at most ${MAX_BATCH_UPDATES} updates per POST`)
    }
    const entries = new Map<string, WebhookEntry>()
    const changes = new Map<string, WebhookChange>()
    const wamids: string[] = []
    for (const event of events) {
      const isStatus = event.kind === 'status'
      let number: NumberState
      let add: (value: Json) => void
      if (event.kind === 'status') {
        const built = statusItem(event.id, event.status, event)
        number = built.number
        wamids.push(event.id)
        add = (value) => (value.statuses as Json[]).push(built.item)
      } else {
        const built = inboundMessage(event)
        number = built.number
        wamids.push(built.message.id as string)
        add = (value) => {
          const contacts = value.contacts as Json[]
          const key = JSON.stringify([built.contact.wa_id, built.contact.user_id])
          if (!contacts.some((c) => JSON.stringify([c.wa_id, c.user_id]) === key)) {
            contacts.push(built.contact)
          }
          ;(value.messages as Json[]).push(built.message)
        }
      }
      let entry = entries.get(number.wabaId)
      if (!entry) {
        entry = { id: number.wabaId, changes: [] }
        entries.set(number.wabaId, entry)
      }
      const changeKey = `${number.phoneNumberId}:${isStatus ? 'statuses' : 'messages'}`
      let change = changes.get(changeKey)
      if (!change) {
        const value: Json = { messaging_product: 'whatsapp', metadata: metadataOf(number) }
        if (isStatus) value.statuses = []
        else Object.assign(value, { contacts: [], messages: [] })
        change = { field: 'messages', value }
        changes.set(changeKey, change)
        entry.changes.push(change)
      }
      add(change.value)
    }
    const list = [...entries.values()]
    const delivery = await postChanges(list, 'messages')
    return { wamids, updates: events.length, delivery, payload: envelope(list) }
  }

  function status(wamid: string, name: StatusName, statusOptions: StatusOptions = {}) {
    const { number, item } = statusItem(wamid, name, statusOptions)
    return postChanges(
      [
        {
          id: number.wabaId,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: metadataOf(number),
                statuses: [item],
              },
            },
          ],
        },
      ],
      'messages'
    )
  }

  /** Batched automatic statuses (statusBatchMs): waiting to be posted. */
  const statusQueue: StatusEvent[] = []
  let statusFlush: Promise<void> | null = null

  function queueStatuses(events: StatusEvent[]) {
    statusQueue.push(...events)
    if (statusFlush) return
    statusFlush = track(
      (async () => {
        while (statusQueue.length) {
          await new Promise((resolve) => setTimeout(resolve, options.statusBatchMs))
          while (statusQueue.length) await batch(statusQueue.splice(0, MAX_BATCH_UPDATES))
        }
        statusFlush = null
      })()
    )
  }

  /** Status webhooks that follow an accepted send, posted in order in the background. */
  function scheduleStatuses(sent: SentMessage) {
    const steps: StatusName[] = sent.failureCode
      ? ['failed']
      : options.autoStatuses
        ? sent.type === 'reaction'
          ? ['sent']
          : (options.autoStatusSteps ?? ['sent', 'delivered', 'read'])
        : []
    if (!steps.length) return
    if (options.statusBatchMs) {
      return queueStatuses(steps.map((step) => ({ kind: 'status', id: sent.id, status: step })))
    }
    const delay = options.statusDelayMs ?? 0
    void track(
      (async () => {
        for (const step of steps) {
          await new Promise((resolve) =>
            delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve)
          )
          await status(sent.id, step, {})
        }
      })()
    )
  }

  // ---------------------------------------------------------------- HTTP

  function send(response: ServerResponse, httpStatus: number, body: unknown) {
    const raw = JSON.stringify(body)
    response.writeHead(httpStatus, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': Buffer.byteLength(raw),
      'x-fb-trace-id': randomToken(8),
      'facebook-api-version': apiVersion,
    })
    response.end(raw)
  }

  function readBody(request: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      request.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_BODY_BYTES) chunks.push(chunk)
      })
      request.on('end', () => {
        if (size > MAX_BODY_BYTES) {
          reject(new MetaApiError(131053, `Request body over ${MAX_BODY_BYTES} bytes.`))
        } else {
          resolve(Buffer.concat(chunks))
        }
      })
      request.on('error', reject)
    })
  }

  /** JSON, form-urlencoded or multipart bodies, as an object. */
  function parseBody(raw: Buffer, contentType: string): Json {
    if (raw.length === 0) return {}
    if (contentType.includes('multipart/form-data')) {
      const fields: Json = {}
      for (const part of parseMultipart(raw, contentType)) {
        if (part.filename === null) fields[part.name] = part.data.toString('utf8')
      }
      return fields
    }
    if (contentType.includes('application/x-www-form-urlencoded')) {
      const fields: Json = {}
      for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
        fields[key] = /^[[{]/.test(value) ? (safeJson(value) ?? value) : value
      }
      return fields
    }
    const parsed = safeJson(raw.toString('utf8'))
    if (parsed === undefined) throw new MetaApiError(100, 'The request body is not valid JSON.')
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new MetaApiError(100, 'The request body must be a JSON object.')
    }
    return parsed as Json
  }

  function tokenOf(request: IncomingMessage, url: URL): string | null {
    const header = request.headers.authorization
    if (header) {
      const match = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header.trim())
      return match ? match[1].trim() : ''
    }
    return url.searchParams.get('access_token')
  }

  function authenticate(request: IncomingMessage, url: URL): string {
    const token = tokenOf(request, url)
    if (token === null || token === '') {
      throw new MetaApiError(0, 'An access token is required to request this resource.')
    }
    if (state.expiredTokens.has(token)) {
      throw new MetaApiError(190, 'Error validating access token: Session has expired.', {
        subcode: 463,
        title: 'Error validating access token: Session has expired',
      })
    }
    if (
      configuredTokens.size > 0 &&
      !configuredTokens.has(token) &&
      !state.issuedTokens.has(token)
    ) {
      throw new MetaApiError(190, 'Invalid OAuth access token - Cannot parse access token')
    }
    return token
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://simulator.local')
    const method = (request.method ?? 'GET').toUpperCase()
    let segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    if (segments[0] && /^v\d+(\.\d+)?$/.test(segments[0])) segments = segments.slice(1)
    const origin = request.headers.host ? `http://${request.headers.host}` : baseUrl

    if (segments[0] === 'media-download' && segments.length === 2 && method === 'GET') {
      return downloadMedia(request, response, url, segments[1])
    }

    const raw = await readBody(request)
    const contentType = (request.headers['content-type'] ?? '').toLowerCase()

    if (segments[0] === 'oauth' && segments[1] === 'access_token' && segments.length === 2) {
      return send(response, 200, exchangeCode(url))
    }

    authenticate(request, url)
    const [id, edge, ...rest] = segments
    if (!id || rest.length > 0) {
      throw new MetaApiError(100, `Unknown path components: ${url.pathname}`)
    }

    // Resumable upload (reference §3.3): the app's upload sessions.
    if (edge === 'uploads' && method === 'POST' && !state.numbers.has(id) && !state.wabas.has(id)) {
      return send(response, 200, startUpload(id, url))
    }
    if (id.startsWith('upload:') && edge === undefined) {
      if (method === 'POST') return send(response, 200, uploadChunk(id, request, raw))
      if (method === 'GET') return send(response, 200, uploadStatus(id))
    }
    if (edge === undefined && method === 'POST' && state.templates.has(id)) {
      return send(response, 200, editTemplate(id, parseBody(raw, contentType)))
    }

    const number = state.numbers.get(id)
    const waba = state.wabas.get(id)

    if (edge === undefined) {
      if (method === 'GET') {
        if (number)
          return send(
            response,
            200,
            pick(phoneNumberFields(number), url, 'WhatsAppBusinessPhoneNumber')
          )
        if (waba) return send(response, 200, pick(wabaFields(waba), url, 'WhatsAppBusinessAccount'))
        const media = liveMedia(id)
        if (media) return send(response, 200, mediaInfo(media, origin))
        const template = state.templates.get(id)
        if (template)
          return send(response, 200, pick(templateFields(template), url, 'WhatsAppMessageTemplate'))
      }
      if (method === 'DELETE' && liveMedia(id)) {
        state.media.delete(id)
        return send(response, 200, { success: true })
      }
      if (method === 'POST' && number) {
        const body = parseBody(raw, contentType)
        const config = body.webhook_configuration as Json | undefined
        if (config && typeof config.override_callback_uri === 'string') {
          number.overrideCallbackUri = config.override_callback_uri || null
        } else if (config) {
          number.overrideCallbackUri = null
        }
        return send(response, 200, { success: true })
      }
      throw unknownObject(id, method)
    }

    if (number) {
      if (edge === 'messages' && method === 'POST') {
        return send(response, 200, handleSend(number, parseBody(raw, contentType)))
      }
      if (edge === 'media' && method === 'POST') {
        return send(response, 200, uploadMedia(number, raw, contentType))
      }
      if ((edge === 'register' || edge === 'deregister') && method === 'POST') {
        return send(response, 200, register(number, edge, parseBody(raw, contentType)))
      }
      if (edge === 'whatsapp_business_profile') {
        if (method === 'GET') return send(response, 200, businessProfile(number, url))
        if (method === 'POST')
          return send(response, 200, updateProfile(number, parseBody(raw, contentType)))
      }
    }
    if (waba) {
      if (edge === 'phone_numbers' && method === 'GET') {
        const data = [...state.numbers.values()]
          .filter((n) => n.wabaId === waba.id)
          .map((n) => pick(phoneNumberFields(n), url, 'WhatsAppBusinessPhoneNumber'))
        return send(response, 200, {
          data,
          paging: { cursors: { before: 'QVFIUk', after: 'QVFIUk' } },
        })
      }
      if (edge === 'subscribed_apps') {
        return send(response, 200, subscribedApps(waba, method, parseBody(raw, contentType)))
      }
      if (edge === 'message_templates') {
        if (method === 'GET') return send(response, 200, listTemplates(waba, url, origin))
        if (method === 'POST')
          return send(response, 200, createTemplate(waba, parseBody(raw, contentType)))
        if (method === 'DELETE') return send(response, 200, deleteTemplates(waba, url))
      }
    }
    if (!number && !waba) throw unknownObject(id, method)
    throw new MetaApiError(100, `Unknown path components: /${edge}`)
  }

  // ---------------------------------------------------------------- sending

  function handleSend(number: NumberState, body: Json) {
    const validated = validateSend(body)
    if (validated.kind === 'read') {
      state.reads.push({
        phoneNumberId: number.phoneNumberId,
        messageId: validated.messageId,
        typing: validated.typing,
        at: clock(),
      })
      return { success: true }
    }
    if (!number.registered) {
      throw new MetaApiError(133010, 'The phone number is not registered on the Cloud API.')
    }
    if (options.strictTemplates && validated.type === 'template') checkTemplate(number, body)

    const now = clock()
    state.sendAttempts.push({ phoneNumberId: number.phoneNumberId, at: now })
    const window = sendWindows.get(number.phoneNumberId) ?? []
    while (window.length && window[0] <= now - 1000) window.shift()
    if (window.length >= (number.mps ?? defaultMps)) {
      throw new MetaApiError(130429, 'Cloud API message throughput has been reached.')
    }

    let failureCode = state.forcedFailures.shift() ?? null
    const injection = options.failureInjection
    if (failureCode === null && injection?.rate && random() < injection.rate) {
      const codes = injection.codes?.length ? injection.codes : [131000]
      failureCode = codes[Math.floor(random() * codes.length)] ?? codes[0]
    }
    if (failureCode !== null && !ASYNC_FAILURE_CODES.has(failureCode)) {
      throw new MetaApiError(failureCode, 'Simulated failure (failure injection).')
    }
    const pairLimit = options.pairRateLimit
    if (pairLimit) {
      const pairKey = `${number.phoneNumberId}:${validated.waId ?? validated.input}`
      const recent = (pairSends.get(pairKey) ?? []).filter((at) => at > now - pairLimit.windowMs)
      if (recent.length >= pairLimit.max) {
        pairSends.set(pairKey, recent)
        throw new MetaApiError(131056, '(Business Account, Consumer Account) pair rate limit hit')
      }
      recent.push(now)
      pairSends.set(pairKey, recent)
    }
    if (failureCode === null && options.enforceWindow && validated.type !== 'template') {
      if (!windowOpen(number, validated, now)) failureCode = 131047
    }

    window.push(now)
    sendWindows.set(number.phoneNumberId, window)
    const wamid = newWamid(validated.waId ?? validated.input)
    const sent: SentMessage = {
      id: wamid,
      phoneNumberId: number.phoneNumberId,
      input: validated.input,
      waId: validated.waId,
      bsuid: validated.bsuid,
      type: validated.type,
      body,
      callbackData: validated.callbackData,
      at: now,
      failureCode,
    }
    state.sent.push(sent)
    state.sentById.set(wamid, sent)
    scheduleStatuses(sent)

    const contact: Json = { input: validated.input }
    if (validated.waId) contact.wa_id = validated.waId
    if (validated.bsuid) contact.user_id = validated.bsuid
    return {
      messaging_product: 'whatsapp',
      contacts: body.recipient_type === 'group' ? undefined : [contact],
      messages: [{ id: wamid }],
    }
  }

  function windowOpen(
    number: NumberState,
    outgoing: Extract<ValidatedSend, { kind: 'message' }>,
    now: number
  ) {
    const user = outgoing.waId ?? outgoing.bsuid ?? outgoing.input
    const last = state.lastInbound.get(`${number.phoneNumberId}:${user}`)
    return last !== undefined && now - last < DAY
  }

  function checkTemplate(number: NumberState, body: Json) {
    const template = body.template as Json
    const language = (template.language as Json).code
    const match = [...state.templates.values()].find(
      (t) => t.wabaId === number.wabaId && t.name === template.name && t.language === language
    )
    if (!match || !['APPROVED', 'PAUSED', 'DISABLED'].includes(match.status)) {
      throw new MetaApiError(
        132001,
        `template name (${String(template.name)}) does not exist in ${String(language)}`
      )
    }
    if (match.status === 'PAUSED')
      throw new MetaApiError(132015, `Template ${match.name} is paused.`)
    if (match.status === 'DISABLED')
      throw new MetaApiError(132016, `Template ${match.name} is disabled.`)
  }

  // ---------------------------------------------------------------- media

  function liveMedia(id: string): StoredMedia | undefined {
    const media = state.media.get(id)
    if (media && media.expiresAt <= clock()) {
      state.media.delete(id)
      return undefined
    }
    return media
  }

  function uploadMedia(number: NumberState, raw: Buffer, contentType: string) {
    if (!contentType.includes('multipart/form-data')) {
      throw new MetaApiError(100, 'Media uploads must be multipart/form-data.')
    }
    const parts = parseMultipart(raw, contentType)
    const field = (name: string) =>
      parts.find((part) => part.name === name && part.filename === null)
    const product = field('messaging_product')?.data.toString('utf8')
    if (!product) throw new MetaApiError(131008, 'The parameter messaging_product is required.')
    if (product !== 'whatsapp')
      throw new MetaApiError(131009, "Param messaging_product must be 'whatsapp'.")
    const file = parts.find((part) => part.name === 'file')
    if (!file) throw new MetaApiError(131008, 'The parameter file is required.')
    const declared = field('type')?.data.toString('utf8').trim()
    const fileType = file.contentType?.trim()
    const mime = declared || fileType
    if (!mime) throw new MetaApiError(131008, 'The parameter type is required.')
    const base = (value: string) => value.split(';')[0].trim().toLowerCase()
    if (
      declared &&
      fileType &&
      fileType !== 'application/octet-stream' &&
      base(declared) !== base(fileType)
    ) {
      throw new MetaApiError(
        131053,
        `Media type mismatch: type is ${declared} but the file part is ${fileType}.`
      )
    }
    checkMedia(file.data, mime)
    const media = state.storeMedia(Buffer.from(file.data), mime, {
      filename: file.filename,
      origin: 'upload',
      phoneNumberId: number.phoneNumberId,
    })
    return { id: media.id }
  }

  function mediaInfo(media: StoredMedia, origin: string) {
    const token = randomToken()
    state.mediaUrls.set(token, { mediaId: media.id, expiresAt: clock() + MEDIA_URL_TTL })
    return {
      url: `${origin}/media-download/${media.id}?token=${token}`,
      mime_type: media.mimeType,
      sha256: media.sha256,
      file_size: media.fileSize,
      id: media.id,
      messaging_product: 'whatsapp',
    }
  }

  function downloadMedia(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    mediaId: string
  ) {
    request.resume()
    authenticate(request, new URL('http://simulator.local/'))
    const token = url.searchParams.get('token') ?? ''
    const grant = state.mediaUrls.get(token)
    const media = liveMedia(mediaId)
    if (!grant || grant.mediaId !== mediaId || grant.expiresAt <= clock() || !media) {
      if (grant && grant.expiresAt <= clock()) state.mediaUrls.delete(token)
      response.writeHead(404, { 'content-type': 'text/plain' })
      response.end('Not Found')
      return
    }
    response.writeHead(200, {
      'content-type': media.mimeType,
      'content-length': media.fileSize,
      'content-disposition': `attachment; filename="${media.filename ?? media.id}"`,
    })
    response.end(media.bytes)
  }

  // ---------------------------------------------------------------- numbers, WABA, profile

  function phoneNumberFields(number: NumberState): Json {
    const mps = number.mps ?? defaultMps
    return {
      verified_name: number.verifiedName,
      code_verification_status: 'VERIFIED',
      display_phone_number: number.displayPhoneNumber,
      quality_rating: number.qualityRating,
      platform_type: 'CLOUD_API',
      throughput: { level: mps >= 1000 ? 'HIGH' : 'STANDARD' },
      id: number.phoneNumberId,
      whatsapp_business_manager_messaging_limit: number.messagingLimit,
      messaging_limit_tier: number.messagingLimit,
      name_status: 'APPROVED',
      status: number.registered ? 'CONNECTED' : 'PENDING',
      account_mode: 'LIVE',
      is_official_business_account: false,
      webhook_configuration: {
        ...(number.overrideCallbackUri ? { phone_number: number.overrideCallbackUri } : {}),
        ...(state.webhookUrl ? { application: state.webhookUrl } : {}),
      },
    }
  }

  const DEFAULT_NUMBER_FIELDS = [
    'verified_name',
    'code_verification_status',
    'display_phone_number',
    'quality_rating',
    'platform_type',
    'throughput',
    'id',
  ]

  function wabaFields(waba: WabaState): Json {
    const numbers = [...state.numbers.values()].filter((n) => n.wabaId === waba.id)
    return {
      id: waba.id,
      name: numbers[0]?.verifiedName ?? 'Simulated WABA',
      currency: 'USD',
      timezone_id: '1',
      message_template_namespace: createHash('md5').update(waba.id).digest('hex').slice(0, 32),
      account_review_status: 'APPROVED',
      business_verification_status: 'verified',
      ownership_type: 'CLIENT_OWNED',
      whatsapp_business_manager_messaging_limit: numbers[0]?.messagingLimit ?? 'TIER_2K',
    }
  }

  /** Applies `?fields=`; an unknown field is Meta's error 100. */
  function pick(all: Json, url: URL, nodeType: string): Json {
    const requested = url.searchParams.get('fields')
    const names = requested
      ? requested
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : nodeType === 'WhatsAppBusinessPhoneNumber'
        ? DEFAULT_NUMBER_FIELDS
        : Object.keys(all)
    const result: Json = {}
    for (const name of names) {
      if (!(name in all)) {
        throw new MetaApiError(
          100,
          `Tried accessing nonexisting field (${name}) on node type (${nodeType})`
        )
      }
      result[name] = all[name]
    }
    result.id = all.id
    return result
  }

  function register(number: NumberState, edge: 'register' | 'deregister', body: Json) {
    const now = clock()
    number.registerCalls = number.registerCalls.filter((at) => at > now - REGISTER_WINDOW)
    if (number.registerCalls.length >= REGISTER_LIMIT) {
      throw new MetaApiError(
        133016,
        'Too many register/deregister calls for this number in 72 hours. Try again later.'
      )
    }
    number.registerCalls.push(now)
    if (body.messaging_product === undefined) {
      throw new MetaApiError(131008, 'The parameter messaging_product is required.')
    }
    if (edge === 'deregister') {
      number.registered = false
      return { success: true }
    }
    const pin = body.pin
    if (pin === undefined || pin === '')
      throw new MetaApiError(131008, 'The parameter pin is required.')
    if (typeof pin !== 'string' || !/^\d{6}$/.test(pin)) {
      throw new MetaApiError(100, 'Param pin must be a 6-digit number.')
    }
    if (number.pin !== null && number.pin !== pin) {
      throw new MetaApiError(133005, 'The two-step verification PIN does not match.')
    }
    number.pin = pin
    number.registered = true
    return { success: true }
  }

  function businessProfile(number: NumberState, url: URL) {
    const all: Json = { ...number.profile }
    const requested = url.searchParams.get('fields')
    const names = requested ? requested.split(',').map((name) => name.trim()) : Object.keys(all)
    const item: Json = {}
    for (const name of names) {
      if (!(name in all)) {
        throw new MetaApiError(
          100,
          `Tried accessing nonexisting field (${name}) on node type (WhatsAppBusinessProfile)`
        )
      }
      const value = all[name]
      if (value !== '' && !(Array.isArray(value) && value.length === 0)) item[name] = value
    }
    item.messaging_product = 'whatsapp'
    return { data: [item] }
  }

  function updateProfile(number: NumberState, body: Json) {
    if (body.messaging_product === undefined) {
      throw new MetaApiError(131008, 'The parameter messaging_product is required.')
    }
    if (body.messaging_product !== 'whatsapp') {
      throw new MetaApiError(131009, "Param messaging_product must be 'whatsapp'.")
    }
    const next = { ...number.profile }
    const text = (key: 'about' | 'address' | 'description' | 'email', min: number, max: number) => {
      const value = body[key]
      if (value === undefined) return
      if (typeof value !== 'string' || [...value].length < min || [...value].length > max) {
        throw new MetaApiError(
          100,
          `Param ${key} must be between ${min} and ${max} characters long.`
        )
      }
      next[key] = value
    }
    text('about', 1, 139)
    text('address', 0, 256)
    text('description', 0, 512)
    text('email', 0, 128)
    if (next.email && body.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(next.email)) {
      throw new MetaApiError(100, 'Param email must be a valid email address.')
    }
    if (body.websites !== undefined) {
      const websites = body.websites
      if (!Array.isArray(websites) || websites.length > 2) {
        throw new MetaApiError(100, 'Param websites must be an array of at most 2 URLs.')
      }
      for (const site of websites) {
        if (typeof site !== 'string' || site.length > 256 || !/^https?:\/\/\S+$/i.test(site)) {
          throw new MetaApiError(
            100,
            'Each website must be at most 256 characters and start with http:// or https://.'
          )
        }
      }
      next.websites = websites as string[]
    }
    if (body.vertical !== undefined) {
      if (typeof body.vertical !== 'string' || !VERTICALS.has(body.vertical)) {
        throw new MetaApiError(100, `Param vertical must be one of {${[...VERTICALS].join(', ')}}.`)
      }
      next.vertical = body.vertical
    }
    if (body.profile_picture_handle !== undefined) {
      if (typeof body.profile_picture_handle !== 'string' || !body.profile_picture_handle) {
        throw new MetaApiError(100, 'Param profile_picture_handle must be an upload handle.')
      }
      next.profile_picture_url = `${baseUrl}/profile-pictures/${encodeURIComponent(body.profile_picture_handle)}`
    }
    number.profile = next
    return { success: true }
  }

  function subscribedApps(waba: WabaState, method: string, body: Json) {
    if (method === 'GET') {
      return {
        data: waba.subscribed
          ? [
              {
                whatsapp_business_api_data: {
                  id: options.appId ?? '300000000000001',
                  name: 'Parley',
                },
                ...(waba.overrideCallbackUri
                  ? { override_callback_uri: waba.overrideCallbackUri }
                  : {}),
              },
            ]
          : [],
      }
    }
    if (method === 'DELETE') {
      waba.subscribed = false
      waba.overrideCallbackUri = null
      return { success: true }
    }
    if (method !== 'POST') throw unknownObject(waba.id, method)
    const override = body.override_callback_uri
    if (override !== undefined) {
      if (typeof override !== 'string' || override.length > 200 || !/^https?:\/\//.test(override)) {
        throw new MetaApiError(
          100,
          'Param override_callback_uri must be a URL of at most 200 characters.'
        )
      }
      if (body.verify_token === undefined) {
        throw new MetaApiError(131008, 'The parameter verify_token is required.')
      }
    }
    waba.subscribed = true
    waba.overrideCallbackUri = typeof override === 'string' ? override : null
    return { success: true }
  }

  // ---------------------------------------------------------------- embedded signup

  function exchangeCode(url: URL) {
    const clientId = url.searchParams.get('client_id')
    const clientSecret = url.searchParams.get('client_secret')
    const code = url.searchParams.get('code')
    if (!clientId)
      throw new MetaApiError(100, 'Missing client_id parameter.', {
        title: 'Missing client_id parameter.',
      })
    if (options.appId && clientId !== options.appId) {
      throw new MetaApiError(101, 'Error validating application. Invalid application ID.', {
        title: 'Error validating application. Invalid application ID.',
      })
    }
    if (!clientSecret) {
      throw new MetaApiError(100, 'Missing client_secret parameter.', {
        title: 'Missing client_secret parameter.',
      })
    }
    if (options.appSecret && clientSecret !== options.appSecret) {
      throw new MetaApiError(1, 'Error validating client secret.', {
        title: 'Error validating client secret.',
      })
    }
    if (!code)
      throw new MetaApiError(100, 'Missing code parameter.', { title: 'Missing code parameter.' })
    const grant = state.signupCodes.get(code)
    if (!grant) {
      throw new MetaApiError(100, 'Invalid verification code format.', {
        subcode: 36008,
        title: 'Invalid verification code format.',
      })
    }
    if (grant.used) {
      throw new MetaApiError(100, 'This authorization code has been used.', {
        subcode: 36009,
        title: 'This authorization code has been used.',
      })
    }
    if (grant.expiresAt <= clock()) {
      throw new MetaApiError(100, 'This authorization code has expired.', {
        subcode: 36007,
        title: 'This authorization code has expired.',
      })
    }
    grant.used = true
    if (!state.numbers.has(grant.phoneNumberId)) {
      const suffix = grant.phoneNumberId.slice(-4).padStart(4, '0')
      state.addNumber({
        phoneNumberId: grant.phoneNumberId,
        wabaId: grant.wabaId,
        displayPhoneNumber: `+1 555-01${suffix.slice(0, 1)}-${suffix}`,
        verifiedName: 'Onboarded Business',
        registered: false,
      })
    } else if (!state.wabas.has(grant.wabaId)) {
      state.wabas.set(grant.wabaId, {
        id: grant.wabaId,
        subscribed: false,
        overrideCallbackUri: null,
      })
    }
    const token = newAccessToken()
    state.issuedTokens.set(token, { wabaId: grant.wabaId, phoneNumberId: grant.phoneNumberId })
    return { access_token: token, token_type: 'bearer' }
  }

  // ---------------------------------------------------------------- templates

  function templateFields(template: StoredTemplate): Json {
    return {
      name: template.name,
      parameter_format: template.parameterFormat.toUpperCase(),
      components: template.components,
      language: template.language,
      status: template.status,
      category: template.category,
      quality_score: { score: template.qualityScore, date: seconds(template.createdAt) },
      rejected_reason: template.rejectedReason,
      id: template.id,
    }
  }

  function listTemplates(waba: WabaState, url: URL, origin: string) {
    const params = url.searchParams
    let list = [...state.templates.values()].filter((t) => t.wabaId === waba.id)
    const name = params.get('name')
    if (name) list = list.filter((t) => t.name.includes(name))
    const statusFilter = params.get('status')
    if (statusFilter) {
      const wanted = statusFilter.toUpperCase().split(',')
      list = list.filter((t) => wanted.includes(t.status))
    }
    const category = params.get('category')
    if (category) list = list.filter((t) => t.category === category.toUpperCase())
    const language = params.get('language')
    if (language) list = list.filter((t) => t.language === language)
    list.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))

    const limit = Math.min(Math.max(Number(params.get('limit') ?? 25) || 25, 1), 1000)
    const decode = (cursor: string) => {
      const match = /^c(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
      if (!match)
        throw new MetaApiError(131059, 'The pagination cursor is invalid. Retry without it.')
      return Number(match[1])
    }
    const encode = (index: number) => Buffer.from(`c${index}`).toString('base64url')
    const after = params.get('after')
    const before = params.get('before')
    let start = 0
    if (after) start = decode(after) + 1
    else if (before) start = Math.max(decode(before) - limit, 0)
    const page = list.slice(start, start + limit)
    const data = page.map((t) => pick(templateFields(t), url, 'WhatsAppMessageTemplate'))
    const paging: Json = {}
    if (page.length) {
      paging.cursors = { before: encode(start), after: encode(start + page.length - 1) }
      if (start + page.length < list.length) {
        const next = new URL(url.pathname, origin)
        for (const [key, value] of params)
          if (key !== 'after' && key !== 'before') next.searchParams.set(key, value)
        next.searchParams.set('after', encode(start + page.length - 1))
        paging.next = next.toString()
      }
    }
    return { data, paging }
  }

  function createTemplate(waba: WabaState, body: Json) {
    const { name, category, language, components } = body
    if (typeof name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(name)) {
      throw new MetaApiError(
        100,
        'Template name must be 1-512 lowercase letters, digits or underscores.'
      )
    }
    if (typeof category !== 'string' || !TEMPLATE_CATEGORIES.has(category.toUpperCase())) {
      throw new MetaApiError(
        100,
        'Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}.'
      )
    }
    if (typeof language !== 'string' || !/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/.test(language)) {
      throw new MetaApiError(100, 'Param language must be a language code such as en_US.')
    }
    if (!Array.isArray(components))
      throw new MetaApiError(100, 'Param components must be an array.')
    const typed: Json[] = (components as Json[]).map((c) => ({
      ...c,
      type: String(c?.type ?? '').toUpperCase(),
    }))
    const bodies = typed.filter((c) => c.type === 'BODY')
    if (bodies.length !== 1) {
      throw new MetaApiError(100, 'A template needs exactly one BODY component.')
    }
    const limit = (component: Json | undefined, max: number, label: string) => {
      const text = component?.text
      if (text !== undefined && (typeof text !== 'string' || [...text].length > max)) {
        throw new MetaApiError(100, `${label} text must be at most ${max} characters.`, {
          subcode: 2388040,
        })
      }
    }
    limit(bodies[0], 1024, 'BODY')
    const header = typed.find((c) => c.type === 'HEADER')
    if (header && header.format === 'TEXT') limit(header, 60, 'HEADER')
    limit(
      typed.find((c) => c.type === 'FOOTER'),
      60,
      'FOOTER'
    )
    const buttons = typed.find((c) => c.type === 'BUTTONS')?.buttons
    if (Array.isArray(buttons) && buttons.length > 10) {
      throw new MetaApiError(100, 'A template can have at most 10 buttons.')
    }
    checkTemplateRules(typed, category.toUpperCase())
    const duplicate = [...state.templates.values()].some(
      (t) => t.wabaId === waba.id && t.name === name && t.language === language
    )
    if (duplicate) {
      throw new MetaApiError(100, `Content in ${language} already exists for template ${name}.`, {
        subcode: 2388024,
      })
    }
    const template: StoredTemplate = {
      id: newNumericId(),
      wabaId: waba.id,
      name,
      language,
      category: category.toUpperCase(),
      status: 'PENDING',
      parameterFormat:
        body.parameter_format === 'named' || body.parameter_format === 'NAMED'
          ? 'named'
          : 'positional',
      components: components as Json[],
      qualityScore: 'UNKNOWN',
      rejectedReason: 'NONE',
      createdAt: clock(),
    }
    state.templates.set(template.id, template)
    return { id: template.id, status: template.status, category: template.category }
  }

  /** The basic review rules Meta applies on creation and edit (reference §3.3–3.4). */
  function checkTemplateRules(components: Json[], category: string) {
    const variables = (text: unknown) =>
      typeof text === 'string' ? [...text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].length : 0
    const header = components.find((c) => c.type === 'HEADER')
    if (header) {
      const format = String(header.format ?? '').toUpperCase()
      if (format === 'TEXT' && variables(header.text) > 1) {
        throw new MetaApiError(100, 'A TEXT header can have at most one parameter.', {
          subcode: 2388047,
        })
      }
      if (['IMAGE', 'VIDEO', 'DOCUMENT'].includes(format)) {
        const handles = (header.example as Json | undefined)?.header_handle
        if (!Array.isArray(handles) || typeof handles[0] !== 'string' || !handles[0]) {
          throw new MetaApiError(100, `A ${format} header needs example.header_handle.`, {
            subcode: 2388047,
          })
        }
      }
      if (format === 'LOCATION' && category === 'AUTHENTICATION') {
        throw new MetaApiError(100, 'LOCATION headers are for utility and marketing templates.', {
          subcode: 2388047,
        })
      }
    }
    const footer = components.find((c) => c.type === 'FOOTER')
    if (footer && variables(footer.text) > 0) {
      throw new MetaApiError(100, 'A footer cannot have parameters.', { subcode: 2388073 })
    }
    const body = components.find((c) => c.type === 'BODY')
    const text = typeof body?.text === 'string' ? body.text.trim() : ''
    if (text && (text.startsWith('{{') || text.endsWith('}}'))) {
      throw new MetaApiError(100, "Variables can't be at the start or end of the template.", {
        subcode: 2388299,
      })
    }
    const buttons = components.find((c) => c.type === 'BUTTONS')?.buttons
    if (Array.isArray(buttons)) {
      const quick = (buttons as Json[]).map((b) => String(b?.type).toUpperCase() === 'QUICK_REPLY')
      let switches = 0
      for (let i = 1; i < quick.length; i++) if (quick[i] !== quick[i - 1]) switches++
      if (switches > 1) {
        throw new MetaApiError(100, 'Quick reply buttons must be grouped together.')
      }
      if (
        category !== 'AUTHENTICATION' &&
        (buttons as Json[]).some((b) => String(b?.type).toUpperCase() === 'OTP')
      ) {
        throw new MetaApiError(100, 'OTP buttons are for authentication templates only.')
      }
      checkOtpButtons(buttons, category)
    }
  }

  /**
   * `POST /{template-id}` (reference §3.1): only APPROVED, REJECTED or
   * PAUSED templates; an approved one once per 24 h and 10 times per 30
   * days, without changing its category. The template goes back to PENDING.
   */
  function editTemplate(id: string, body: Json) {
    const template = state.templates.get(id)!
    if (!['APPROVED', 'REJECTED', 'PAUSED'].includes(template.status)) {
      throw new MetaApiError(100, `A template in status ${template.status} cannot be edited.`)
    }
    const now = clock()
    const edits = (template.approvedEdits ?? []).filter((at) => at > now - 30 * DAY)
    const category =
      typeof body.category === 'string' ? body.category.toUpperCase() : template.category
    if (template.status === 'APPROVED') {
      if (category !== template.category) {
        throw new MetaApiError(100, 'The category of an approved template cannot be changed.')
      }
      if (edits.some((at) => at > now - DAY)) {
        throw new MetaApiError(100, 'An approved template can be edited once per 24 hours.')
      }
      if (edits.length >= 10) {
        throw new MetaApiError(100, 'An approved template can be edited 10 times per 30 days.')
      }
    }
    if (!TEMPLATE_CATEGORIES.has(category)) {
      throw new MetaApiError(
        100,
        'Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}.'
      )
    }
    let components = template.components
    if (body.components !== undefined) {
      if (!Array.isArray(body.components)) {
        throw new MetaApiError(100, 'Param components must be an array.')
      }
      const typed = (body.components as Json[]).map((c) => ({
        ...c,
        type: String(c?.type ?? '').toUpperCase(),
      }))
      if (typed.filter((c) => c.type === 'BODY').length !== 1) {
        throw new MetaApiError(100, 'A template needs exactly one BODY component.')
      }
      checkTemplateRules(typed, category)
      components = body.components as Json[]
    }
    if (template.status === 'APPROVED') edits.push(now)
    template.approvedEdits = edits
    template.components = components
    template.category = category
    template.status = 'PENDING'
    template.rejectedReason = 'NONE'
    return { success: true }
  }

  // ---------------------------------------------------------------- resumable upload

  const UPLOAD_TYPES = new Set([
    'image/jpeg',
    'image/jpg',
    'image/png',
    'video/mp4',
    'application/pdf',
  ])

  function startUpload(appId: string, url: URL) {
    if (options.appId && appId !== options.appId) throw unknownObject(appId, 'POST')
    const fileName = url.searchParams.get('file_name') ?? ''
    const fileLength = Number(url.searchParams.get('file_length'))
    const fileType = url.searchParams.get('file_type') ?? ''
    if (!fileName) throw new MetaApiError(100, 'The parameter file_name is required.')
    if (!Number.isInteger(fileLength) || fileLength <= 0) {
      throw new MetaApiError(100, 'The parameter file_length must be a positive integer.')
    }
    if (!UPLOAD_TYPES.has(fileType)) {
      throw new MetaApiError(100, `Param file_type must be one of ${[...UPLOAD_TYPES].join(', ')}.`)
    }
    const id = `upload:${randomToken(12)}`
    state.uploads.set(id, { fileName, fileLength, fileType, bytes: null, handle: null })
    return { id }
  }

  function uploadChunk(id: string, request: IncomingMessage, raw: Buffer) {
    const session = state.uploads.get(id)
    if (!session) throw unknownObject(id, 'POST')
    if (!/^OAuth\s+/i.test(request.headers.authorization ?? '')) {
      throw new MetaApiError(
        190,
        'Upload sessions take the token as "Authorization: OAuth <token>".'
      )
    }
    const offset = Number(
      request.headers.file_offset ?? request.headers['file-offset'] ?? Number.NaN
    )
    const have = session.bytes?.length ?? 0
    if (offset !== have) {
      throw new MetaApiError(100, `file_offset must be ${have} for this session.`)
    }
    session.bytes = Buffer.concat([session.bytes ?? Buffer.alloc(0), raw])
    if (session.bytes.length > session.fileLength) {
      throw new MetaApiError(100, 'More bytes than file_length were uploaded.')
    }
    if (session.bytes.length < session.fileLength) return { id, file_offset: session.bytes.length }
    session.handle ??= `4::${Buffer.from(`${id}:${session.fileType}`).toString('base64url')}`
    return { h: session.handle }
  }

  function uploadStatus(id: string) {
    const session = state.uploads.get(id)
    if (!session) throw unknownObject(id, 'GET')
    return { id, file_offset: session.bytes?.length ?? 0 }
  }

  function deleteTemplates(waba: WabaState, url: URL) {
    const name = url.searchParams.get('name')
    const hsmId = url.searchParams.get('hsm_id')
    if (!name) throw new MetaApiError(131008, 'The parameter name is required.')
    const matches = [...state.templates.values()].filter(
      (t) => t.wabaId === waba.id && t.name === name && (!hsmId || t.id === hsmId)
    )
    if (!matches.length) throw new MetaApiError(100, `Template ${name} was not found.`)
    if (matches.some((t) => t.status === 'DISABLED')) {
      throw new MetaApiError(100, 'Disabled templates cannot be deleted.')
    }
    for (const template of matches) state.templates.delete(template.id)
    return { success: true }
  }

  // ---------------------------------------------------------------- lifecycle

  async function onRequest(request: IncomingMessage, response: ServerResponse) {
    try {
      await handle(request, response)
    } catch (error) {
      if (response.headersSent) {
        response.destroy()
        return
      }
      if (error instanceof MetaApiError) {
        send(response, error.httpStatus, error.toBody())
      } else {
        const failure = new MetaApiError(
          1,
          error instanceof Error ? error.message : String(error),
          {
            httpStatus: 500,
          }
        )
        send(response, 500, failure.toBody())
      }
    }
  }

  const simulator: MetaSimulator = {
    state,
    apiVersion,
    get url() {
      return baseUrl
    },

    start() {
      return new Promise((resolve, reject) => {
        const httpServer = createServer((request, response) => void onRequest(request, response))
        httpServer.keepAliveTimeout = 5000
        httpServer.once('error', reject)
        const host = options.host ?? '127.0.0.1'
        httpServer.listen(options.port ?? 0, host, () => {
          const { port } = httpServer.address() as AddressInfo
          const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
          baseUrl = `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${port}`
          server = httpServer
          resolve({ url: baseUrl })
        })
      })
    },

    async stop() {
      await simulator.idle()
      const httpServer = server
      server = null
      if (!httpServer) return
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve())
        httpServer.closeAllConnections()
      })
    },

    inbound,
    batch,
    status: (wamid, name, statusOptions) => status(wamid, name, statusOptions),

    deliver(payload, deliverOptions = {}) {
      const field = deliverOptions.field ?? 'messages'
      return track(post(payload, field, deliverOptions.url ?? targetFor(field, null, null)))
    },

    async verifyWebhook(verifyToken, url) {
      const target = url ?? state.webhookUrl
      if (!target) return false
      const challenge = String(randomBytes(4).readUInt32BE(0))
      const check = new URL(target)
      check.searchParams.set('hub.mode', 'subscribe')
      check.searchParams.set('hub.challenge', challenge)
      check.searchParams.set('hub.verify_token', verifyToken)
      try {
        const response = await fetch(check, { signal: AbortSignal.timeout(10_000) })
        return response.status === 200 && (await response.text()) === challenge
      } catch {
        return false
      }
    },

    async idle() {
      while (pending.size) await Promise.allSettled([...pending])
    },
  }
  return simulator
}
