import {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type HealthResult,
  type OutboundContent,
  type OutboundMessage,
  type SendResult,
} from '#channels/driver'
import {
  GraphClient,
  GraphError,
  type GraphClientOptions,
  type PhoneNumberInfo,
} from '#channels/meta/graph_client'
import { classifyMetaError, transientBackoff } from '#channels/meta/error_codes'
import { normalizeRecipient, waIdOf } from '#channels/drivers/recipient'

/**
 * The WhatsApp Cloud API driver (reference §2, §2.7, §2.9). It maps
 * Parley's OutboundMessage to Meta's bodies, calls the Graph API through
 * GraphClient and turns every failure into a classified ChannelSendError.
 */

export type MetaCloudDriverOptions = GraphClientOptions & { client?: GraphClient }

/** Extra, optional per-call context (the port's `send` has no attempt). */
export type MetaSendContext = { attempt?: number }

const CALLBACK_DATA_MAX = 512

function invalid(message: string) {
  return new ChannelSendError(message, null, 'give_up')
}

function contentBody(content: OutboundContent): Record<string, unknown> {
  switch (content.type) {
    case 'text':
      return {
        type: 'text',
        text: { body: content.text, preview_url: content.previewUrl ?? false },
      }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const media: Record<string, unknown> = {}
      if (content.mediaId) media.id = content.mediaId
      else if (content.link) media.link = content.link
      else throw invalid(`A ${content.type} message needs a media id or a link.`)
      const takesCaption =
        content.type === 'image' || content.type === 'video' || content.type === 'document'
      if (takesCaption && content.caption) media.caption = content.caption
      if (content.type === 'document' && content.filename) media.filename = content.filename
      if (content.type === 'audio' && content.voice) media.voice = true
      return { type: content.type, [content.type]: media }
    }
    case 'location': {
      const location: Record<string, unknown> = {
        latitude: content.latitude,
        longitude: content.longitude,
      }
      if (content.name) location.name = content.name
      if (content.address) location.address = content.address
      return { type: 'location', location }
    }
    case 'contacts':
      return { type: 'contacts', contacts: content.contacts }
    case 'reaction':
      return { type: 'reaction', reaction: { message_id: content.messageId, emoji: content.emoji } }
    case 'interactive':
      return { type: 'interactive', interactive: content.interactive }
    case 'template': {
      const template: Record<string, unknown> = {
        name: content.name,
        language: { code: content.language },
      }
      if (content.components?.length) template.components = content.components
      return { type: 'template', template }
    }
  }
}

/**
 * The body of `POST /{phone-number-id}/messages` for a message (§2.1–2.6).
 * Reply context is dropped for templates and reactions: Meta renders no
 * bubble for the former and refuses it for the latter.
 */
export function buildMetaMessageBody(message: OutboundMessage): Record<string, unknown> {
  const body: Record<string, unknown> = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: normalizeRecipient(message.to),
    ...contentBody(message.content),
  }
  const type = message.content.type
  if (message.replyTo && type !== 'template' && type !== 'reaction') {
    body.context = { message_id: message.replyTo }
  }
  if (message.callbackData !== undefined && message.callbackData !== '') {
    if (message.callbackData.length > CALLBACK_DATA_MAX) {
      throw invalid(`Callback data is limited to ${CALLBACK_DATA_MAX} characters.`)
    }
    body.biz_opaque_callback_data = message.callbackData
  }
  return body
}

function describeGraphError(error: GraphError): string {
  return [
    error.code === null ? null : `#${error.code}`,
    error.title,
    error.details,
    error.fbtraceId ? `fbtrace_id ${error.fbtraceId}` : null,
  ]
    .filter(Boolean)
    .join(' · ')
}

/**
 * GraphError → ChannelSendError: by Meta code through the error table;
 * network errors, timeouts and bare 5xx/429 are `retry`; other answers
 * without a code are `give_up`. Anything that is not a GraphError is rethrown.
 */
export function toChannelSendError(error: unknown, attempt: number = 1): ChannelSendError {
  if (error instanceof ChannelSendError) return error
  if (!(error instanceof GraphError)) throw error
  const details = describeGraphError(error)
  if (error.code === null) {
    if (error.transient) {
      return new ChannelSendError(
        'WhatsApp could not be reached. The message will be retried automatically.',
        null,
        'retry',
        transientBackoff(attempt),
        details
      )
    }
    return new ChannelSendError(
      `WhatsApp rejected the request (HTTP ${error.httpStatus ?? 'error'}).`,
      null,
      'give_up',
      null,
      details
    )
  }
  const classification = classifyMetaError(error.code, attempt, error.title)
  return new ChannelSendError(
    classification.userMessage,
    error.code,
    classification.action,
    classification.retryAfterMs,
    details
  )
}

const DISCONNECTED_STATUSES = new Set([
  'DISCONNECTED',
  'BANNED',
  'DELETED',
  'PENDING',
  'UNVERIFIED',
  'MIGRATED',
])
const DEGRADED_STATUSES = new Set(['FLAGGED', 'RESTRICTED', 'RATE_LIMITED', 'UNKNOWN'])

/** `whatsapp_business_manager_messaging_limit` (v24+) or the deprecated tier. */
function messagingLimitOf(info: PhoneNumberInfo): string | null {
  const value: unknown = info.whatsapp_business_manager_messaging_limit ?? info.messaging_limit_tier
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>
    for (const key of ['current_limit', 'messaging_limit', 'tier', 'limit']) {
      const field = record[key]
      if (typeof field === 'string' || typeof field === 'number') return String(field)
    }
  }
  return null
}

export function healthFromPhoneNumber(info: PhoneNumberInfo): HealthResult {
  const quality = typeof info.quality_rating === 'string' ? info.quality_rating : null
  const status = typeof info.status === 'string' ? info.status.toUpperCase() : null
  const result: HealthResult = {
    status: 'connected',
    displayPhoneNumber: info.display_phone_number ?? null,
    verifiedName: info.verified_name ?? null,
    qualityRating: quality,
    messagingLimit: messagingLimitOf(info),
    error: null,
  }
  if (status && DISCONNECTED_STATUSES.has(status)) {
    result.status = 'disconnected'
    result.error = `The number's status is ${status}: it cannot send messages.`
  } else if (status && DEGRADED_STATUSES.has(status)) {
    result.status = 'degraded'
    result.error = `The number's status is ${status}: sending may be limited.`
  } else if (quality?.toUpperCase() === 'RED') {
    result.status = 'degraded'
    result.error = 'Quality rating is low (RED): review recent messages before sending more.'
  }
  return result
}

export class MetaCloudDriver implements ChannelDriver {
  readonly name = 'meta_cloud'
  readonly client: GraphClient

  constructor(options: MetaCloudDriverOptions = {}) {
    const { client, ...clientOptions } = options
    this.client = client ?? new GraphClient(clientOptions)
  }

  #require(credentials: ChannelCredentials, needsPhoneNumber = true) {
    const { phoneNumberId, accessToken } = credentials
    if (!accessToken || (needsPhoneNumber && !phoneNumberId)) {
      throw new ChannelSendError(
        'The channel is missing its phone number id or access token: reconnect it in Settings › Channels.',
        null,
        'give_up'
      )
    }
    return { phoneNumberId: phoneNumberId ?? '', accessToken }
  }

  async #call<T>(attempt: number, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw toChannelSendError(error, attempt)
    }
  }

  async send(
    credentials: ChannelCredentials,
    message: OutboundMessage,
    context: MetaSendContext = {}
  ): Promise<SendResult> {
    const { phoneNumberId, accessToken } = this.#require(credentials)
    const body = buildMetaMessageBody(message)
    const attempt = context.attempt ?? 1
    const response = await this.#call(attempt, () =>
      this.client.sendMessage(accessToken, phoneNumberId, body)
    )
    const providerMessageId = response?.messages?.[0]?.id
    if (!providerMessageId) {
      throw new ChannelSendError(
        'WhatsApp accepted the request but returned no message id.',
        null,
        'give_up',
        null,
        JSON.stringify(response ?? null).slice(0, 500)
      )
    }
    const contact = response.contacts?.[0]
    return { providerMessageId, waId: contact?.wa_id ?? waIdOf(String(body.to)) }
  }

  async markRead(credentials: ChannelCredentials, providerMessageId: string): Promise<void> {
    const { phoneNumberId, accessToken } = this.#require(credentials)
    await this.#call(1, () => this.client.markRead(accessToken, phoneNumberId, providerMessageId))
  }

  async typing(credentials: ChannelCredentials, providerMessageId: string): Promise<void> {
    const { phoneNumberId, accessToken } = this.#require(credentials)
    await this.#call(1, () =>
      this.client.markRead(accessToken, phoneNumberId, providerMessageId, { typing: true })
    )
  }

  async uploadMedia(
    credentials: ChannelCredentials,
    file: { bytes: Uint8Array; mimeType: string; filename: string }
  ): Promise<{ mediaId: string }> {
    const { phoneNumberId, accessToken } = this.#require(credentials)
    const response = await this.#call(1, () =>
      this.client.uploadMedia(accessToken, phoneNumberId, file)
    )
    return { mediaId: response.id }
  }

  async downloadMedia(
    credentials: ChannelCredentials,
    mediaId: string
  ): Promise<{ bytes: Uint8Array; mimeType: string; sha256: string | null }> {
    const { phoneNumberId, accessToken } = this.#require(credentials, false)
    const media = await this.#call(1, () =>
      this.client.downloadMediaBytes(accessToken, mediaId, phoneNumberId || null)
    )
    return { bytes: media.bytes, mimeType: media.mimeType, sha256: media.sha256 }
  }

  /** Fields read by `health()`; the messaging limit field depends on the version. */
  healthFields(): string[] {
    const major = this.client.majorVersion
    return [
      'display_phone_number',
      'verified_name',
      'quality_rating',
      'status',
      major !== null && major >= 24
        ? 'whatsapp_business_manager_messaging_limit'
        : 'messaging_limit_tier',
    ]
  }

  async health(credentials: ChannelCredentials): Promise<HealthResult> {
    if (!credentials.phoneNumberId || !credentials.accessToken) {
      return {
        status: 'disconnected',
        error: 'The channel has no phone number id or access token.',
      }
    }
    try {
      const info = await this.client.phoneNumber(
        credentials.accessToken,
        credentials.phoneNumberId,
        this.healthFields()
      )
      return healthFromPhoneNumber(info)
    } catch (error) {
      if (!(error instanceof GraphError)) throw error
      if (error.code === 190 || error.code === 0) {
        return { status: 'disconnected', error: 'access token expired or revoked' }
      }
      if (error.code === 33) {
        return { status: 'disconnected', error: 'the business phone number was deleted' }
      }
      const classified = toChannelSendError(error)
      return { status: 'degraded', error: `${classified.message} (${describeGraphError(error)})` }
    }
  }
}
