import { DateTime } from 'luxon'
import { readTimestamp } from './time.js'
import QRCode from 'qrcode'
import { ChannelSendError, type OutboundMessage, type PluginContext } from '#sdk/index'
import { clearAuthState, loadAuthState, type ChannelRef } from './auth_state.js'
import { DISCONNECT, statusCodeOf, type QrSocket, type SocketFactory } from './socket.js'
import { isPersonJid, learnPair, phoneDigits, resolveSender } from './identity.js'
import { normalizeContent, timestampOf } from './normalize.js'
import { Pacer, type PacingSettings } from './pacing.js'
import { toBaileysContent } from './content.js'
import { inboundMedia, inboundMediaSource, mediaLookup } from './media.js'

/**
 * One QR number's live connection, in the one process that holds its
 * lease. A state machine persisted with timestamps:
 *
 *   connecting ──open──▶ open ──close──▶ closed ──(backoff)──▶ connecting
 *        │                  │
 *        └──────── 401 (logged out on the phone) ──▶ logged_out (stays until "Connect")
 */
export type SessionState = 'connecting' | 'open' | 'closed' | 'logged_out'

export type SessionRow = ChannelRef & { sessionKey: string; pairingPhone: string | null }

const sql = (at: DateTime = DateTime.utc()) => at.toUTC().toFormat('yyyy-MM-dd HH:mm:ss')
const FIRST_QR_MS = 60_000
const NEXT_QR_MS = 20_000
/** History messages older than the last disconnect minus this are not imported. */
const HISTORY_MARGIN_S = 300

export class QrSession {
  socket: QrSocket | null = null
  state: SessionState = 'connecting'
  attempts = 0
  #stopped = false
  #timer: NodeJS.Timeout | null = null
  #qrCount = 0
  #pairingRequested = false
  #recipients = new Map<string, string>()
  #pacer = new Pacer()

  constructor(
    private ctx: PluginContext,
    private factory: SocketFactory,
    readonly channel: SessionRow,
    private options: { backoffBaseMs: number; backoffMaxMs: number }
  ) {}

  get running() {
    return !this.#stopped
  }

  #tenant<T>(callback: () => Promise<T>) {
    return this.ctx.tenant.run(this.channel.workspaceId, callback)
  }

  #row() {
    return this.ctx.db.tenant('qr_baileys_sessions').where('channel_id', this.channel.id)
  }

  async #update(values: Record<string, unknown>) {
    await this.#tenant(() => this.#row().update({ ...values, updated_at: sql() }))
  }

  async #broadcast(payload: Record<string, string | number | null>) {
    try {
      await this.ctx.realtime.broadcast(
        this.channel.workspaceId,
        `qr_baileys/${this.channel.publicId}`,
        payload
      )
    } catch (error) {
      this.ctx.logger.warn({ err: error, channel: this.channel.publicId }, 'broadcast failed')
    }
  }

  async #setState(state: SessionState, error: string | null = null) {
    this.state = state
    const at = DateTime.utc()
    const stamp: Record<string, string> = {
      connecting: 'connecting_at',
      open: 'opened_at',
      closed: 'closed_at',
      logged_out: 'logged_out_at',
    }
    await this.#update({
      state,
      state_changed_at: sql(at),
      [stamp[state]]: sql(at),
      last_error: error ? error.slice(0, 500) : null,
      ...(state === 'open' || state === 'logged_out'
        ? { qr: null, qr_expires_at: null, pairing_code: null }
        : {}),
    })
    const status = state === 'open' ? 'connected' : state === 'closed' ? 'degraded' : 'disconnected'
    if (state !== 'connecting') {
      await this.ctx.channels.setStatus(this.channel.workspaceId, this.channel.id, status, error)
    }
    await this.#broadcast({ event: 'state', state, at: at.toISO(), error })
  }

  /** Open the socket (first start, or a reconnect). */
  async start() {
    if (this.#stopped) return
    this.#qrCount = 0
    this.#pairingRequested = false
    await this.#setState('connecting')
    const { state, saveCreds } = await loadAuthState(this.ctx, this.channel)
    const logger = this.ctx.logger.child({ channel: this.channel.publicId })
    const socket = await this.factory({ auth: state, logger, channelId: this.channel.id })
    if (this.#stopped) {
      socket.end(undefined)
      return
    }
    this.socket = socket
    const guard =
      <T>(name: string, handler: (data: T) => Promise<void>) =>
      (data: T) => {
        if (this.socket !== socket) return
        handler(data).catch((error) =>
          this.ctx.logger.error(
            { err: error, channel: this.channel.publicId },
            `qr_baileys: ${name} handler failed`
          )
        )
      }
    socket.ev.on(
      'creds.update',
      guard('creds.update', () => saveCreds())
    )
    socket.ev.on(
      'connection.update',
      guard('connection.update', (update) => this.#onConnection(socket, update))
    )
    socket.ev.on(
      'messages.upsert',
      guard('messages.upsert', async ({ messages }) => {
        for (const message of messages) await this.ingest(message, null)
      })
    )
    socket.ev.on(
      'messaging-history.set',
      guard('messaging-history.set', async ({ messages, contacts }) => {
        for (const contact of contacts ?? []) await this.#learnContact(contact)
        const cutoff = await this.#historyCutoff()
        if (cutoff === null) return
        for (const message of messages) await this.ingest(message, cutoff)
      })
    )
    socket.ev.on(
      'chats.phoneNumberShare',
      guard('chats.phoneNumberShare', ({ lid, jid }) =>
        learnPair(this.ctx, this.channel.workspaceId, lid, jid)
      )
    )
    for (const event of ['contacts.upsert', 'contacts.update'] as const) {
      socket.ev.on(
        event,
        guard(event, async (contacts: { id?: string; lid?: string }[]) => {
          for (const contact of contacts) await this.#learnContact(contact)
        })
      )
    }
  }

  async #learnContact(contact: { id?: string; lid?: string; jid?: string }) {
    await learnPair(this.ctx, this.channel.workspaceId, contact.id, contact.lid ?? contact.jid)
  }

  /**
   * Messages from history sync are imported when they are newer than the
   * last disconnect (what arrived while offline); never on a first link,
   * so linking a phone does not copy its whole chat history.
   */
  async #historyCutoff(): Promise<number | null> {
    const row = await this.#tenant(() => this.#row().select('closed_at', 'opened_at').first())
    const since = row?.closed_at ?? null
    if (!since) return null
    const at = readTimestamp(since)
    if (!at) return null
    return Math.floor(at.toSeconds()) - HISTORY_MARGIN_S
  }

  async #onConnection(
    socket: QrSocket,
    update: Parameters<QrSocket['ev']['on']>[1] extends never ? never : any
  ) {
    if (update.qr) {
      const expiresAt = DateTime.utc().plus({
        milliseconds: this.#qrCount === 0 ? FIRST_QR_MS : NEXT_QR_MS,
      })
      this.#qrCount += 1
      const svg = await QRCode.toString(update.qr, { type: 'svg', margin: 1 })
      const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
      await this.#update({ qr: dataUrl, qr_expires_at: sql(expiresAt) })
      await this.#broadcast({ event: 'qr', qr: dataUrl, expiresAt: expiresAt.toISO() })
      const phone = phoneDigits(this.channel.pairingPhone)
      if (phone && !this.#pairingRequested) {
        this.#pairingRequested = true
        const code = await socket.requestPairingCode(phone)
        await this.#update({ pairing_code: code })
        await this.#broadcast({ event: 'pairing_code', code })
      }
    }
    if (update.connection === 'open') {
      this.attempts = 0
      const phone = phoneDigits(socket.user?.id?.split(':')[0])
      await this.#update({ phone, lid: socket.user?.lid ?? null, pairing_phone: null })
      await this.#setState('open')
    }
    if (update.connection === 'close') {
      const error = update.lastDisconnect?.error
      const code = statusCodeOf(error)
      const reason = error instanceof Error ? error.message : code ? `status ${code}` : 'closed'
      if (this.socket === socket) this.socket = null
      if (code === DISCONNECT.loggedOut) return this.#loggedOut(reason)
      if (this.#stopped) return
      await this.#setState('closed', reason)
      this.#scheduleReconnect(code === DISCONNECT.restartRequired)
    }
  }

  async #loggedOut(reason: string) {
    this.#stopped = true
    this.#clearTimer()
    await clearAuthState(this.ctx, this.channel)
    await this.#update({ desired: 'stop' })
    await this.#setState('logged_out', `Logged out: ${reason}`)
    await this.ctx.notifications.notifyAdmins(this.channel.workspaceId, {
      type: 'plugins.qr_baileys.notifications.logged_out',
      data: { key: this.channel.publicId, channel: this.channel.publicId },
      onceWithinHours: 1,
    })
  }

  /** Delay before reconnect attempt n: base·2ⁿ (capped) plus up to 20 % jitter. */
  backoffMs(attempt: number) {
    const exponential = Math.min(
      this.options.backoffMaxMs,
      this.options.backoffBaseMs * 2 ** attempt
    )
    return Math.round(exponential * (1 + Math.random() * 0.2))
  }

  #scheduleReconnect(immediately: boolean) {
    this.#clearTimer()
    const delay = immediately ? 0 : this.backoffMs(this.attempts)
    this.attempts += 1
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.start().catch((error) => {
        this.ctx.logger.error(
          { err: error, channel: this.channel.publicId },
          'qr_baileys: reconnect failed'
        )
        if (!this.#stopped) this.#scheduleReconnect(false)
      })
    }, delay)
    this.#timer.unref?.()
  }

  #clearTimer() {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  /**
   * Record one message through `ctx.inbox.ingest` (idempotent on the
   * WhatsApp message id). `notBefore` filters history-sync messages.
   */
  async ingest(message: any, notBefore: number | null) {
    const key = message?.key
    if (!key?.id || key.fromMe || !isPersonJid(key.remoteJid)) return
    const timestamp = timestampOf(message.messageTimestamp)
    if (notBefore !== null && (timestamp ?? 0) < notBefore) return
    const content = normalizeContent(message.message)
    if (!content) return
    const { phone, lid } = await resolveSender(this.ctx, this.channel.workspaceId, key)
    if (!phone && !lid) return
    this.#recipients.set(key.id, key.remoteJid)
    const source = content.media
      ? inboundMediaSource(key, content.media.type, content.media.field, content.media.message)
      : null
    const mediaId = source ? inboundMedia.idFor(this.channel.id, key.id) : null
    if (source && mediaId) {
      await this.#tenant(() =>
        inboundMedia.remember(
          this.ctx,
          { workspaceId: this.channel.workspaceId, channelId: this.channel.id },
          mediaId,
          source
        )
      )
    }
    await this.ctx.inbox.ingest({
      workspaceId: this.channel.workspaceId,
      channelId: this.channel.id,
      message: {
        providerMessageId: key.id,
        from: {
          waId: phone,
          lid,
          profileName: message.pushName ?? null,
        },
        type: content.type,
        body: content.body,
        timestamp,
        payload: content.payload,
        media:
          source && mediaId
            ? {
                id: mediaId,
                mimeType: source.mimetype,
                filename: (content.media?.message.fileName as string | undefined) ?? null,
              }
            : null,
      },
    })
  }

  #socketOrWait(): QrSocket {
    if (!this.socket || this.state !== 'open') {
      throw new ChannelSendError(
        `The QR number is not connected (${this.state}).`,
        null,
        this.state === 'logged_out' ? 'give_up' : 'wait',
        this.state === 'logged_out' ? null : 15_000
      )
    }
    return this.socket
  }

  async #sentToday(): Promise<number> {
    const row = await this.#tenant(() => this.#row().select('sent_day', 'sent_count').first())
    return row?.sent_day === DateTime.utc().toISODate() ? Number(row.sent_count) : 0
  }

  async send(message: OutboundMessage) {
    const digits = phoneDigits(message.to)
    if (!digits) {
      throw new ChannelSendError(`Invalid recipient "${message.to}"`, null, 'give_up')
    }
    const media = await this.#tenant(() =>
      mediaLookup(this.ctx, this.channel.workspaceId, message.content)
    )
    const content = toBaileysContent(message.content, media)
    const socket = this.#socketOrWait()
    const settings = await this.ctx.settings.get<PacingSettings>(this.channel.workspaceId)
    await this.#pacer.beforeSend(settings, await this.#sentToday())
    const jid = `${digits}@s.whatsapp.net`
    let sent: Awaited<ReturnType<QrSocket['sendMessage']>>
    try {
      sent = await socket.sendMessage(jid, content.message, content.options)
    } catch (error) {
      throw classifySendError(error)
    }
    this.#pacer.afterSend(settings)
    const id = sent?.key?.id
    if (!id) throw new ChannelSendError('WhatsApp returned no message id', null, 'retry')
    this.#recipients.set(id, jid)
    const today = DateTime.utc().toISODate()
    const count = (await this.#sentToday()) + 1
    await this.#update({ sent_day: today, sent_count: count })
    return { providerMessageId: id, waId: digits }
  }

  /** The socket when the connection is open, else null. */
  openSocket(): QrSocket | null {
    return this.state === 'open' ? this.socket : null
  }

  async markRead(providerMessageId: string) {
    const jid = this.#recipients.get(providerMessageId)
    if (!jid || !this.socket) return
    await this.socket.readMessages([{ remoteJid: jid, id: providerMessageId }])
  }

  async typing(providerMessageId: string) {
    const jid = this.#recipients.get(providerMessageId)
    if (!jid || !this.socket) return
    await this.socket.sendPresenceUpdate('composing', jid)
  }

  /** "Disconnect" in the UI: log the linked device out on WhatsApp's side. */
  async logout() {
    const socket = this.socket
    if (socket) {
      try {
        await socket.logout()
      } catch (error) {
        this.ctx.logger.warn(
          { err: error },
          'qr_baileys: logout failed; clearing the session anyway'
        )
      }
    }
    if (this.state !== 'logged_out') await this.#loggedOut('logged out from Parley')
    this.stop()
  }

  /** Close the socket in this process (lease lost, shutdown). The session stays linked. */
  stop() {
    this.#stopped = true
    this.#clearTimer()
    const socket = this.socket
    this.socket = null
    if (socket) {
      for (const event of [
        'connection.update',
        'creds.update',
        'messages.upsert',
        'messaging-history.set',
        'chats.phoneNumberShare',
        'contacts.upsert',
        'contacts.update',
      ] as const) {
        socket.ev.removeAllListeners(event)
      }
      socket.end(undefined)
    }
  }
}

export function classifySendError(error: unknown): ChannelSendError {
  if (error instanceof ChannelSendError) return error
  const code = statusCodeOf(error)
  const text = error instanceof Error ? error.message : String(error)
  if (code === 403 || code === 400 || code === 404 || code === 401) {
    return new ChannelSendError(`WhatsApp refused the message: ${text}`, code, 'give_up')
  }
  if (code === 429) return new ChannelSendError(`Rate limited: ${text}`, code, 'wait', 60_000)
  return new ChannelSendError(`Sending failed: ${text}`, code, 'retry')
}
