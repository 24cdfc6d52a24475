import { createHash } from 'node:crypto'
import { ulid } from 'ulidx'
import {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type HealthResult,
  type OutboundMessage,
  type SendResult,
} from '#channels/driver'
import { normalizeRecipient, waIdOf } from '#channels/drivers/recipient'

/**
 * The `sandbox` driver: a simulated WhatsApp number built into Parley. No
 * network: sends, read receipts, typing indicators and media live in an
 * in-memory outbox per channel (per process), read by the Sandbox page and
 * by tests. A channel is identified by `sandboxChannelKey(credentials)`:
 * its phone number id, else `extra.sandboxKey`, else "sandbox".
 */

export type SandboxSentMessage = {
  kind: 'message'
  id: string
  to: string
  message: OutboundMessage
  at: Date
}

export type SandboxReceiptEvent = {
  kind: 'read' | 'typing'
  messageId: string
  at: Date
}

export type SandboxOutboxEntry = SandboxSentMessage | SandboxReceiptEvent

export type SandboxMedia = {
  bytes: Uint8Array
  mimeType: string
  filename: string | null
  sha256: string
}

/** Entries kept per channel and media kept per process (oldest dropped). */
const MAX_ENTRIES_PER_CHANNEL = 500
const MAX_MEDIA = 200

export function sandboxChannelKey(credentials: ChannelCredentials): string {
  if (credentials.phoneNumberId) return credentials.phoneNumberId
  const key = credentials.extra?.sandboxKey
  return typeof key === 'string' || typeof key === 'number' ? String(key) : 'sandbox'
}

export class SandboxOutbox {
  #entries = new Map<string, SandboxOutboxEntry[]>()
  #media = new Map<string, SandboxMedia>()
  #failures = new Map<string, ChannelSendError[]>()

  record(channelKey: string, entry: SandboxOutboxEntry) {
    const list = this.#entries.get(channelKey) ?? []
    list.push(entry)
    if (list.length > MAX_ENTRIES_PER_CHANNEL) list.splice(0, list.length - MAX_ENTRIES_PER_CHANNEL)
    this.#entries.set(channelKey, list)
  }

  /** Every entry of a channel, oldest first. */
  entries(channelKey: string): SandboxOutboxEntry[] {
    return [...(this.#entries.get(channelKey) ?? [])]
  }

  /** Sent messages of a channel, oldest first. */
  messages(channelKey: string): SandboxSentMessage[] {
    return this.entries(channelKey).filter(
      (entry): entry is SandboxSentMessage => entry.kind === 'message'
    )
  }

  /** Read receipts and typing indicators of a channel, oldest first. */
  receipts(channelKey: string): SandboxReceiptEvent[] {
    return this.entries(channelKey).filter(
      (entry): entry is SandboxReceiptEvent => entry.kind !== 'message'
    )
  }

  last(channelKey: string): SandboxSentMessage | null {
    return this.messages(channelKey).at(-1) ?? null
  }

  channels(): string[] {
    return [...this.#entries.keys()]
  }

  /** Make the next send of a channel throw this error (tests, demo). */
  failNext(channelKey: string, error: ChannelSendError) {
    const list = this.#failures.get(channelKey) ?? []
    list.push(error)
    this.#failures.set(channelKey, list)
  }

  takeFailure(channelKey: string): ChannelSendError | null {
    const list = this.#failures.get(channelKey)
    const error = list?.shift() ?? null
    if (list && list.length === 0) this.#failures.delete(channelKey)
    return error
  }

  putMedia(mediaId: string, media: SandboxMedia) {
    this.#media.set(mediaId, media)
    if (this.#media.size > MAX_MEDIA) {
      const oldest = this.#media.keys().next().value
      if (oldest !== undefined) this.#media.delete(oldest)
    }
  }

  getMedia(mediaId: string): SandboxMedia | null {
    return this.#media.get(mediaId) ?? null
  }

  clear(channelKey?: string) {
    if (channelKey === undefined) {
      this.#entries.clear()
      this.#failures.clear()
      this.#media.clear()
      return
    }
    this.#entries.delete(channelKey)
    this.#failures.delete(channelKey)
  }
}

export const sandboxOutbox = new SandboxOutbox()

export class SandboxDriver implements ChannelDriver {
  readonly name = 'sandbox'

  constructor(readonly outbox: SandboxOutbox = sandboxOutbox) {}

  async send(credentials: ChannelCredentials, message: OutboundMessage): Promise<SendResult> {
    const key = sandboxChannelKey(credentials)
    const failure = this.outbox.takeFailure(key)
    if (failure) throw failure
    const to = normalizeRecipient(message.to)
    if (!to) throw new ChannelSendError('The message has no recipient.', null, 'give_up')
    const id = `sandbox.${ulid()}`
    this.outbox.record(key, { kind: 'message', id, to, message, at: new Date() })
    return { providerMessageId: id, waId: waIdOf(to) }
  }

  async markRead(credentials: ChannelCredentials, providerMessageId: string): Promise<void> {
    this.outbox.record(sandboxChannelKey(credentials), {
      kind: 'read',
      messageId: providerMessageId,
      at: new Date(),
    })
  }

  async typing(credentials: ChannelCredentials, providerMessageId: string): Promise<void> {
    this.outbox.record(sandboxChannelKey(credentials), {
      kind: 'typing',
      messageId: providerMessageId,
      at: new Date(),
    })
  }

  async uploadMedia(
    _credentials: ChannelCredentials,
    file: { bytes: Uint8Array; mimeType: string; filename: string }
  ): Promise<{ mediaId: string }> {
    const mediaId = `sandbox-media.${ulid()}`
    this.outbox.putMedia(mediaId, {
      bytes: new Uint8Array(file.bytes),
      mimeType: file.mimeType,
      filename: file.filename,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
    })
    return { mediaId }
  }

  async downloadMedia(
    _credentials: ChannelCredentials,
    mediaId: string
  ): Promise<{ bytes: Uint8Array; mimeType: string; sha256: string | null }> {
    const media = this.outbox.getMedia(mediaId)
    if (!media) {
      throw new ChannelSendError(`Sandbox media ${mediaId} not found.`, null, 'give_up')
    }
    return { bytes: new Uint8Array(media.bytes), mimeType: media.mimeType, sha256: media.sha256 }
  }

  async health(_credentials: ChannelCredentials): Promise<HealthResult> {
    return {
      status: 'connected',
      displayPhoneNumber: null,
      verifiedName: 'Parley Sandbox',
      qualityRating: 'GREEN',
      messagingLimit: null,
      error: null,
    }
  }
}
