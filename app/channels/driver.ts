/**
 * The port every channel implements (meta_cloud and sandbox in core,
 * qr_baileys and others from plugins). Drivers are registered by name in
 * `#channels/registry`. A driver never touches the database: the outbound
 * job hands it a decrypted `ChannelCredentials` and stores what it returns.
 */
export type ChannelCredentials = {
  phoneNumberId: string | null
  wabaId: string | null
  accessToken: string | null
  appSecret: string | null
  /** Driver-specific extras (decrypted). */
  extra: Record<string, unknown>
}

export type OutboundContent =
  | { type: 'text'; text: string; previewUrl?: boolean }
  | {
      type: 'image' | 'video' | 'audio' | 'document' | 'sticker'
      mediaId?: string
      link?: string
      caption?: string
      filename?: string
      voice?: boolean
    }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { type: 'contacts'; contacts: Record<string, unknown>[] }
  | { type: 'reaction'; messageId: string; emoji: string }
  | {
      type: 'interactive'
      interactive: Record<string, unknown>
    }
  | {
      type: 'template'
      name: string
      language: string
      components?: Record<string, unknown>[]
    }

export type OutboundMessage = {
  /** E.164 with the leading '+', or a business-scoped user id. */
  to: string
  content: OutboundContent
  /** wamid of the message this one replies to. */
  replyTo?: string
  /** Echoed back in status webhooks (max 512 chars). */
  callbackData?: string
}

export type SendResult = { providerMessageId: string; waId: string | null }

export type HealthResult = {
  status: 'connected' | 'degraded' | 'disconnected'
  displayPhoneNumber?: string | null
  verifiedName?: string | null
  qualityRating?: string | null
  messagingLimit?: string | null
  error?: string | null
}

/**
 * A failure from the provider, classified once by the driver:
 * - `retry`: transient, retry with exponential backoff;
 * - `wait`: retry only after `retryAfterMs` (rate limits, maintenance);
 * - `give_up`: permanent until something is fixed; the message fails.
 */
export class ChannelSendError extends Error {
  constructor(
    message: string,
    public code: number | null,
    public action: 'retry' | 'wait' | 'give_up',
    public retryAfterMs: number | null = null,
    public details: string | null = null
  ) {
    super(message)
  }
}

export interface ChannelDriver {
  readonly name: string
  send(credentials: ChannelCredentials, message: OutboundMessage): Promise<SendResult>
  markRead(credentials: ChannelCredentials, providerMessageId: string): Promise<void>
  typing(credentials: ChannelCredentials, providerMessageId: string): Promise<void>
  uploadMedia(
    credentials: ChannelCredentials,
    file: { bytes: Uint8Array; mimeType: string; filename: string }
  ): Promise<{ mediaId: string }>
  downloadMedia(
    credentials: ChannelCredentials,
    mediaId: string
  ): Promise<{ bytes: Uint8Array; mimeType: string; sha256: string | null }>
  health(credentials: ChannelCredentials): Promise<HealthResult>
}
