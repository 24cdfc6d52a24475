/**
 * The slice of a Baileys socket this plugin uses, so tests can swap in a
 * fake (`setSocketFactory`) that replays connection updates, QR rotations,
 * messages, logouts and reconnects without WhatsApp's servers.
 */
export type QrSocketEvents = {
  'connection.update': {
    connection?: 'open' | 'connecting' | 'close'
    qr?: string
    isNewLogin?: boolean
    lastDisconnect?: { error: unknown; date: Date }
  }
  'creds.update': Record<string, unknown>
  'messages.upsert': { messages: any[]; type: 'append' | 'notify' }
  'messaging-history.set': { messages: any[]; contacts?: any[]; isLatest?: boolean }
  'chats.phoneNumberShare': { lid: string; jid: string }
  'contacts.upsert': { id: string; lid?: string }[]
  'contacts.update': { id?: string; lid?: string }[]
}

export type QrSocketEvent = keyof QrSocketEvents

export interface QrSocket {
  ev: {
    on<E extends QrSocketEvent>(event: E, listener: (data: QrSocketEvents[E]) => void): void
    removeAllListeners(event: QrSocketEvent): void
  }
  user?: { id: string; lid?: string | null; name?: string | null } | null
  sendMessage(
    jid: string,
    content: Record<string, unknown>,
    options?: Record<string, unknown>
  ): Promise<{ key: { id?: string | null } } | undefined>
  readMessages(keys: { remoteJid: string; id: string; fromMe?: boolean }[]): Promise<void>
  sendPresenceUpdate(type: 'composing' | 'paused' | 'available', jid?: string): Promise<void>
  requestPairingCode(phoneNumber: string): Promise<string>
  /**
   * Asks the sender's phone to upload an inbound attachment again (its
   * media expired on WhatsApp's servers); resolves with the message
   * carrying the new directPath/url.
   */
  updateMediaMessage?(message: {
    key: { remoteJid: string; id: string; fromMe: boolean }
    message: Record<string, unknown>
  }): Promise<{ message?: Record<string, any> | null } | undefined>
  logout(message?: string): Promise<void>
  end(error: Error | undefined): void
}

/** What a factory receives: the auth state to use and a logger. */
export type SocketOptions = {
  auth: { creds: any; keys: any }
  logger: any
  channelId: number
}

export type SocketFactory = (options: SocketOptions) => Promise<QrSocket>

/** Baileys' CommonJS module (named exports and `default` differ by loader). */
export async function baileys(): Promise<any> {
  const loaded: any = await import('@whiskeysockets/baileys')
  return loaded.makeWASocket && loaded.proto ? loaded : (loaded.default ?? loaded)
}

/** The real thing: a Baileys multi-device socket. */
export const baileysSocketFactory: SocketFactory = async ({ auth, logger }) => {
  const lib = await baileys()
  const makeSocket = lib.makeWASocket ?? lib.default
  return makeSocket({
    auth: { creds: auth.creds, keys: lib.makeCacheableSignalKeyStore(auth.keys, logger) },
    logger,
    browser: lib.Browsers.ubuntu('Parley'),
    printQRInTerminal: false,
    markOnlineOnConnect: false,
    syncFullHistory: false,
  }) as QrSocket
}

/** What fetching an inbound attachment needs (see media.ts, InboundMediaSource). */
export type MediaFetchSource = {
  type: string
  mediaKey: string
  directPath: string | null
  url: string | null
}

/** Downloads and decrypts an inbound attachment; tests swap in a fake media server. */
export type MediaFetcher = (source: MediaFetchSource) => Promise<Uint8Array>

/** The real thing: Baileys' downloadContentFromMessage (WhatsApp's media CDN). */
export const baileysMediaFetcher: MediaFetcher = async (source) => {
  const lib = await baileys()
  const stream = await lib.downloadContentFromMessage(
    {
      mediaKey: Buffer.from(source.mediaKey, 'base64'),
      directPath: source.directPath ?? undefined,
      url: source.url ?? undefined,
    },
    source.type
  )
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return new Uint8Array(Buffer.concat(chunks))
}

/** HTTP-like status code of a Baileys (Boom) error, if any. */
export function statusCodeOf(error: unknown): number | null {
  const candidate = error as {
    output?: { statusCode?: number }
    statusCode?: number
    response?: { status?: number }
  } | null
  return (
    candidate?.output?.statusCode ?? candidate?.statusCode ?? candidate?.response?.status ?? null
  )
}

/** Baileys' DisconnectReason values this plugin acts on. */
export const DISCONNECT = {
  loggedOut: 401,
  forbidden: 403,
  timedOut: 408,
  connectionReplaced: 440,
  badSession: 500,
  restartRequired: 515,
} as const
