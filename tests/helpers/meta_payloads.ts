import { createHmac } from 'node:crypto'
/**
 * Webhook payloads shaped like Meta's (reference §1.4–1.6), for tests.
 */
export type InboundSpec = { id: string; type: string; from?: string; body: Record<string, unknown> }

export function messagesEnvelope(options: {
  wabaId?: string
  phoneNumberId: string
  display?: string
  contacts?: Record<string, unknown>[]
  messages?: Record<string, unknown>[]
  statuses?: Record<string, unknown>[]
}) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: options.wabaId ?? 'WABA-1',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: options.display ?? '15550001111',
                phone_number_id: options.phoneNumberId,
              },
              ...(options.contacts ? { contacts: options.contacts } : {}),
              ...(options.messages ? { messages: options.messages } : {}),
              ...(options.statuses ? { statuses: options.statuses } : {}),
            },
          },
        ],
      },
    ],
  }
}

export function inbound(
  spec: { id: string; from?: string; type: string; timestamp?: number } & Record<string, unknown>
) {
  const { id, from, type, timestamp, ...rest } = spec
  return {
    from: from ?? '15551234567',
    id,
    timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)),
    type,
    ...rest,
  }
}

/** One sample of every inbound type in the reference (§1.5). */
export function everyInboundType(prefix: string) {
  return [
    inbound({ id: `${prefix}.text`, type: 'text', text: { body: 'Hello from Dakar' } }),
    inbound({
      id: `${prefix}.image`,
      type: 'image',
      image: { id: 'MEDIA-IMG', mime_type: 'image/jpeg', sha256: 'abc', caption: 'Receipt' },
    }),
    inbound({
      id: `${prefix}.video`,
      type: 'video',
      video: { id: 'MEDIA-VID', mime_type: 'video/mp4', sha256: 'x' },
    }),
    inbound({
      id: `${prefix}.audio`,
      type: 'audio',
      audio: { id: 'MEDIA-AUD', mime_type: 'audio/ogg; codecs=opus', sha256: 'x', voice: true },
    }),
    inbound({
      id: `${prefix}.document`,
      type: 'document',
      document: {
        id: 'MEDIA-DOC',
        filename: 'invoice.pdf',
        mime_type: 'application/pdf',
        sha256: 'x',
      },
    }),
    inbound({
      id: `${prefix}.sticker`,
      type: 'sticker',
      sticker: { id: 'MEDIA-STK', mime_type: 'image/webp', sha256: 'x', animated: false },
    }),
    inbound({
      id: `${prefix}.location`,
      type: 'location',
      location: { latitude: 14.69, longitude: -17.44, name: 'Shop', address: 'Rue 1' },
    }),
    inbound({
      id: `${prefix}.contacts`,
      type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'Awa Ndiaye' },
          phones: [{ phone: '+221770000000', type: 'CELL' }],
        },
      ],
    }),
    inbound({
      id: `${prefix}.button_reply`,
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes please' } },
      context: { from: '15550001111', id: 'wamid.OUT1' },
    }),
    inbound({
      id: `${prefix}.list_reply`,
      type: 'interactive',
      interactive: {
        type: 'list_reply',
        list_reply: { id: 'r1', title: 'Blue', description: 'Blue shirt' },
      },
    }),
    inbound({
      id: `${prefix}.flow`,
      type: 'interactive',
      interactive: {
        type: 'nfm_reply',
        nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"t"}' },
      },
    }),
    inbound({
      id: `${prefix}.button`,
      type: 'button',
      button: { payload: 'STOP_PROMO', text: 'Stop promotions' },
      context: { from: '15550001111', id: 'wamid.TPL1' },
    }),
    inbound({
      id: `${prefix}.reaction`,
      type: 'reaction',
      reaction: { message_id: 'wamid.OUT1', emoji: '👍' },
    }),
    inbound({
      id: `${prefix}.order`,
      type: 'order',
      order: {
        catalog_id: 'CAT',
        text: 'Two please',
        product_items: [
          { product_retailer_id: 'SKU1', quantity: 2, item_price: 10, currency: 'USD' },
        ],
      },
    }),
    inbound({
      id: `${prefix}.system`,
      type: 'system',
      system: { body: 'User changed number', wa_id: '15559999999', type: 'user_changed_number' },
    }),
    inbound({
      id: `${prefix}.unsupported`,
      type: 'unsupported',
      unsupported: { type: 'poll' },
      errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown' }],
    }),
  ]
}

/**
 * Serialises like Meta: non-ASCII characters as lowercase \uXXXX escapes
 * and '/' as '\/'. The signature is computed over exactly these bytes.
 */
export function metaJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

export function metaSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}
