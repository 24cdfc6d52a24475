import {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type HealthResult,
  type OutboundMessage,
  type SendResult,
} from '#sdk/index'
import { qrRuntime } from './runtime.js'
import { mediaStore } from './media.js'
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

  async send(credentials: ChannelCredentials, message: OutboundMessage): Promise<SendResult> {
    if (!phoneDigits(message.to)) {
      throw new ChannelSendError(`Invalid recipient "${message.to}"`, null, 'give_up')
    }
    // Refuse what a QR number cannot send before queueing anything.
    toBaileysContent(message.content, (id) => mediaStore.get(id))
    const local = this.#local(credentials)
    if (local?.running) return local.send(message, (id) => mediaStore.get(id))
    const ctx = qrRuntime.ctx
    const row = await ctx.db
      .from('qr_baileys_sessions')
      .where('session_key', this.#sessionKey(credentials))
      .select('workspace_id', 'channel_id', 'state')
      .first()
    if (!row) throw new ChannelSendError('This channel has no QR session', null, 'give_up')
    if (row.state === 'logged_out') {
      throw new ChannelSendError(
        'The QR number was logged out; scan a new QR code in Settings → WhatsApp numbers.',
        null,
        'give_up'
      )
    }
    return qrRuntime.manager().relay(Number(row.workspace_id), Number(row.channel_id), message)
  }

  async markRead(credentials: ChannelCredentials, providerMessageId: string) {
    await this.#local(credentials)?.markRead(providerMessageId)
  }

  async typing(credentials: ChannelCredentials, providerMessageId: string) {
    await this.#local(credentials)?.typing(providerMessageId)
  }

  async uploadMedia(
    _credentials: ChannelCredentials,
    file: { bytes: Uint8Array; mimeType: string; filename: string }
  ) {
    return { mediaId: mediaStore.put(file.bytes, file.mimeType) }
  }

  async downloadMedia(_credentials: ChannelCredentials, mediaId: string) {
    const item = mediaStore.get(mediaId)
    if (!item) {
      throw new ChannelSendError(
        `Media ${mediaId} is not available (QR numbers keep media in the sending process only)`,
        404,
        'give_up'
      )
    }
    return { bytes: item.bytes, mimeType: item.mimeType, sha256: item.sha256 }
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
