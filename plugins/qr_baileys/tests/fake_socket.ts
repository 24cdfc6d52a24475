import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import type {
  MediaFetcher,
  QrSocket,
  QrSocketEvent,
  QrSocketEvents,
  SocketFactory,
} from '../src/socket.js'

/**
 * A stand-in for a Baileys socket: tests drive it by emitting what
 * WhatsApp's servers would cause (connection updates, QR rotations,
 * messages, logouts) and read what the plugin sent.
 */
export class FakeSocket implements QrSocket {
  emitter = new EventEmitter()
  ev = {
    on: <E extends QrSocketEvent>(event: E, listener: (data: QrSocketEvents[E]) => void) => {
      this.emitter.on(event, listener)
    },
    removeAllListeners: (event: QrSocketEvent) => {
      this.emitter.removeAllListeners(event)
    },
  }
  user: QrSocket['user'] = null
  sent: { jid: string; content: Record<string, unknown>; id: string }[] = []
  reads: string[] = []
  presence: string[] = []
  pairingRequests: string[] = []
  ended = false
  loggedOut = false
  /** Re-upload requests (message ids); `reupload` answers them (null: the phone does not). */
  reuploadRequests: string[] = []
  reupload: ((id: string) => { directPath: string; url: string } | null) | null = null
  #failures: ('timeout' | 'forbidden')[] = []

  constructor(readonly auth: { creds: any; keys: any }) {}

  emit<E extends QrSocketEvent>(event: E, data: QrSocketEvents[E]) {
    this.emitter.emit(event, data)
  }

  /** The phone scanned the code: creds registered, connection open. */
  open(phone = '15550009999', lid = '99887766@lid') {
    this.user = { id: `${phone}:12@s.whatsapp.net`, lid }
    this.auth.creds.me = { id: this.user.id, lid }
    this.auth.creds.registered = true
    this.emit('creds.update', { me: this.auth.creds.me })
    this.emit('connection.update', { connection: 'open' })
  }

  close(statusCode: number, message = 'Connection Failure') {
    const error = Object.assign(new Error(message), { output: { statusCode } })
    this.emit('connection.update', {
      connection: 'close',
      lastDisconnect: { error, date: new Date() },
    })
  }

  failNext(kind: 'timeout' | 'forbidden') {
    this.#failures.push(kind)
  }

  async sendMessage(jid: string, content: Record<string, unknown>) {
    const failure = this.#failures.shift()
    if (failure) {
      const statusCode = failure === 'timeout' ? 408 : 403
      throw Object.assign(new Error(failure === 'timeout' ? 'Timed Out' : 'forbidden'), {
        output: { statusCode },
      })
    }
    const id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`
    this.sent.push({ jid, content, id })
    return { key: { id, remoteJid: jid, fromMe: true } }
  }

  async readMessages(keys: { id: string }[]) {
    this.reads.push(...keys.map((key) => key.id))
  }

  async sendPresenceUpdate(type: string, jid?: string) {
    this.presence.push(`${type}:${jid}`)
  }

  async requestPairingCode(phone: string) {
    this.pairingRequests.push(phone)
    return 'ABCD-EFGH'
  }

  async updateMediaMessage(message: {
    key: { remoteJid: string; id: string; fromMe: boolean }
    message: Record<string, any>
  }) {
    this.reuploadRequests.push(message.key.id)
    const fresh = this.reupload?.(message.key.id) ?? null
    if (!fresh) throw Object.assign(new Error('Media re-upload timed out'), { statusCode: 408 })
    const [field] = Object.keys(message.message)
    return { ...message, message: { [field]: { ...message.message[field], ...fresh } } }
  }

  async logout() {
    this.loggedOut = true
    this.close(401, 'Intentional Logout')
  }

  end() {
    this.ended = true
  }
}

/** A factory that records every socket it made (one per (re)connect). */
export function fakeFactory() {
  const sockets: FakeSocket[] = []
  const factory: SocketFactory = async ({ auth }) => {
    const socket = new FakeSocket(auth)
    sockets.push(socket)
    // Like Baileys: the first event is "connecting".
    setImmediate(() => socket.emit('connection.update', { connection: 'connecting' }))
    return socket
  }
  return { factory, sockets, last: () => sockets[sockets.length - 1] }
}

/** An incoming 1:1 text message as Baileys shapes it. */
export function incoming(options: {
  id?: string
  from: string
  text: string
  pushName?: string
  timestamp?: number
  alt?: string
}) {
  return {
    key: {
      remoteJid: options.from,
      fromMe: false,
      id: options.id ?? `WA${randomBytes(6).toString('hex').toUpperCase()}`,
      ...(options.alt ? { senderPn: options.alt } : {}),
    },
    pushName: options.pushName ?? 'Pat',
    messageTimestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    message: { conversation: options.text },
  }
}

/**
 * WhatsApp's media CDN, faked: serves bytes by direct path for the right
 * media key; a path it does not know answers 410 like expired media.
 */
export class FakeMediaServer {
  files = new Map<string, { bytes: Uint8Array; mediaKey: string }>()
  fetches: string[] = []

  serve(directPath: string, bytes: Uint8Array, mediaKey: string) {
    this.files.set(directPath, { bytes, mediaKey })
  }

  expire(directPath: string) {
    this.files.delete(directPath)
  }

  fetcher: MediaFetcher = async (source) => {
    this.fetches.push(String(source.directPath))
    const file = source.directPath ? this.files.get(source.directPath) : undefined
    if (!file) {
      throw Object.assign(new Error('Request failed with status code 410'), {
        response: { status: 410 },
      })
    }
    if (file.mediaKey !== source.mediaKey) throw new Error('bad decrypt')
    return file.bytes
  }
}

/** An incoming 1:1 attachment as Baileys shapes it (mediaKey as bytes). */
export function incomingMedia(options: {
  from: string
  field: 'imageMessage' | 'documentMessage' | 'audioMessage' | 'videoMessage'
  directPath: string
  mediaKey: Uint8Array
  mimetype: string
  caption?: string
  fileName?: string
  id?: string
}) {
  return {
    key: {
      remoteJid: options.from,
      fromMe: false,
      id: options.id ?? `WA${randomBytes(6).toString('hex').toUpperCase()}`,
    },
    pushName: 'Pat',
    messageTimestamp: Math.floor(Date.now() / 1000),
    message: {
      [options.field]: {
        url: `https://mmg.whatsapp.net${options.directPath}`,
        directPath: options.directPath,
        mediaKey: options.mediaKey,
        mimetype: options.mimetype,
        fileLength: { low: 8, high: 0, unsigned: true, toString: () => '8' },
        ...(options.caption ? { caption: options.caption } : {}),
        ...(options.fileName ? { fileName: options.fileName } : {}),
      },
    },
  }
}

export async function waitFor<T>(
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 4000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await check()
    if (value) return value
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('waitFor: condition not met in time')
}
