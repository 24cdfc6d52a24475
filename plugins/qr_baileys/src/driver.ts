import {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type HealthResult,
  type OutboundMessage,
  type SendResult,
} from '#sdk/index'
import { createHash } from 'node:crypto'
import { DateTime } from 'luxon'
import { qrRuntime } from './runtime.js'
import { inboundMedia, mediaLookup, uploads, type InboundMediaSource } from './media.js'
import { statusCodeOf } from './socket.js'
import { phoneDigits } from './identity.js'
import { toBaileysContent } from './content.js'

/**
 * The `qr_baileys` channel driver. The socket of a number lives in the one
 * process holding its lease: there the driver calls it directly; anywhere
 * else it relays the send through `qr_baileys_outbox` and waits for the
 * owner's answer.
 */
export class QrDriver implements ChannelDriver {
  readonly name = 'qr_baileys'

  #sessionKey(credentials: ChannelCredentials): string {
    const key = credentials.extra?.sessionKey ?? credentials.phoneNumberId
    if (typeof key !== 'string' || !key) {
      throw new ChannelSendError('This channel has no QR session', null, 'give_up')
    }
    return key
  }

  #local(credentials: ChannelCredentials) {
    return qrRuntime.manager().bySessionKey(this.#sessionKey(credentials))
  }

  /** The session row of the channel (workspace, channel, state), or a give_up error. */
  async #sessionRow(credentials: ChannelCredentials) {
    const row = await qrRuntime.ctx.db
      .from('qr_baileys_sessions')
      .where('session_key', this.#sessionKey(credentials))
      .select('workspace_id', 'channel_id', 'state')
      .first()
    if (!row) throw new ChannelSendError('This channel has no QR session', null, 'give_up')
    return {
      workspaceId: Number(row.workspace_id),
      channelId: Number(row.channel_id),
      state: String(row.state),
    }
  }

  async send(credentials: ChannelCredentials, message: OutboundMessage): Promise<SendResult> {
    if (!phoneDigits(message.to)) {
      throw new ChannelSendError(`Invalid recipient "${message.to}"`, null, 'give_up')
    }
    const local = this.#local(credentials)
    if (local?.running) return local.send(message)
    const ctx = qrRuntime.ctx
    const row = await this.#sessionRow(credentials)
    // Refuse what a QR number cannot send before queueing anything.
    toBaileysContent(message.content, await mediaLookup(ctx, row.workspaceId, message.content))
    if (row.state === 'logged_out') {
      throw new ChannelSendError(
        'The QR number was logged out; scan a new QR code in Settings → WhatsApp numbers.',
        null,
        'give_up'
      )
    }
    return qrRuntime.manager().relay(row.workspaceId, row.channelId, message)
  }

  async markRead(credentials: ChannelCredentials, providerMessageId: string) {
    await this.#local(credentials)?.markRead(providerMessageId)
  }

  async typing(credentials: ChannelCredentials, providerMessageId: string) {
    await this.#local(credentials)?.typing(providerMessageId)
  }

  /** Stored on the drive disk (any worker can send it), bounded by Meta's limits, 30 days. */
  async uploadMedia(
    credentials: ChannelCredentials,
    file: { bytes: Uint8Array; mimeType: string; filename: string }
  ) {
    const row = await this.#sessionRow(credentials)
    return { mediaId: await uploads.put(qrRuntime.ctx, row, file) }
  }

  /**
   * An upload of this driver, or an inbound attachment remembered at
   * ingest (`media.download_inbound`). Media gone from WhatsApp's servers
   * is asked again from the sender's phone when this process holds the
   * socket; otherwise it fails with `give_up` and a reason.
   */
  async downloadMedia(credentials: ChannelCredentials, mediaId: string) {
    const ctx = qrRuntime.ctx
    const row = await this.#sessionRow(credentials)
    if (uploads.isUploadId(mediaId)) {
      const item = await uploads.get(ctx, row.workspaceId, mediaId)
      if (!item) {
        throw new ChannelSendError(`Media ${mediaId} is unknown or expired`, 404, 'give_up')
      }
      return item
    }
    const found = await inboundMedia.find(ctx, row.channelId, mediaId)
    if (!found?.source) {
      throw new ChannelSendError(
        `Media ${mediaId} is unknown to this QR number (not recorded, or purged)`,
        404,
        'give_up'
      )
    }
    if (found.expiresAt && found.expiresAt < DateTime.utc()) {
      throw new ChannelSendError(`Media ${mediaId} expired`, 410, 'give_up')
    }
    let source = found.source
    let bytes: Uint8Array
    try {
      try {
        bytes = await qrRuntime.mediaFetcher(source)
      } catch (error) {
        const code = statusCodeOf(error)
        if (code !== 404 && code !== 410) throw error
        const refreshed = await this.#reupload(credentials, source)
        if (!refreshed) {
          throw new ChannelSendError(
            `Media ${mediaId} is no longer on WhatsApp's servers (${code}); ask the sender to send it again`,
            410,
            'give_up'
          )
        }
        source = refreshed
        await inboundMedia.update(ctx, mediaId, { source })
        bytes = await qrRuntime.mediaFetcher(source)
      }
    } catch (error) {
      const failure =
        error instanceof ChannelSendError
          ? error
          : new ChannelSendError(
              `Downloading media ${mediaId} failed: ${error instanceof Error ? error.message : String(error)}`,
              statusCodeOf(error),
              'retry'
            )
      await inboundMedia.update(ctx, mediaId, { error: failure.message })
      throw failure
    }
    await inboundMedia.update(ctx, mediaId, { error: null })
    return {
      bytes,
      mimeType: source.mimetype ?? 'application/octet-stream',
      sha256: createHash('sha256').update(bytes).digest('hex'),
    }
  }

  /** Ask the sender's phone for a fresh copy (needs this process to hold an open socket). */
  async #reupload(
    credentials: ChannelCredentials,
    source: InboundMediaSource
  ): Promise<InboundMediaSource | null> {
    const socket = this.#local(credentials)?.openSocket()
    if (!socket?.updateMediaMessage) return null
    try {
      const updated = await socket.updateMediaMessage({
        key: source.key,
        message: {
          [source.field]: {
            mediaKey: Buffer.from(source.mediaKey, 'base64'),
            directPath: source.directPath,
            url: source.url,
            mimetype: source.mimetype,
          },
        },
      })
      const media = updated?.message?.[source.field]
      if (!media?.directPath && !media?.url) return null
      return { ...source, directPath: media.directPath ?? null, url: media.url ?? null }
    } catch (error) {
      qrRuntime.ctx.logger.warn({ err: error }, 'qr_baileys: media re-upload request failed')
      return null
    }
  }

  async health(credentials: ChannelCredentials): Promise<HealthResult> {
    const local = this.#local(credentials)
    const row = await qrRuntime.ctx.db
      .from('qr_baileys_sessions')
      .where('session_key', this.#sessionKey(credentials))
      .select('state', 'phone', 'last_error')
      .first()
    const state = local?.state ?? row?.state ?? 'closed'
    return {
      status: state === 'open' ? 'connected' : state === 'logged_out' ? 'disconnected' : 'degraded',
      displayPhoneNumber: row?.phone ? `+${row.phone}` : null,
      verifiedName: null,
      qualityRating: null,
      messagingLimit: null,
      error: state === 'open' ? null : (row?.last_error ?? `QR session ${state}`),
    }
  }
}
