import { ChannelSendError, type OutboundContent } from '#sdk/index'

/**
 * Parley's outbound content → Baileys `sendMessage` content. QR numbers
 * cannot send Meta templates or interactive messages: those fail with
 * `give_up` and a reason the agent can read.
 */
export function toBaileysContent(
  content: OutboundContent,
  media: (id: string) => { bytes: Uint8Array; mimeType: string } | null
): { message: Record<string, unknown>; options?: Record<string, unknown> } {
  switch (content.type) {
    case 'text':
      if (!content.text) throw new ChannelSendError('Empty text', null, 'give_up')
      return { message: { text: content.text } }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      let source: unknown = null
      let mimetype: string | undefined
      if (content.link) source = { url: content.link }
      else if (content.mediaId) {
        const stored = media(content.mediaId)
        if (!stored) {
          throw new ChannelSendError(
            `Media ${content.mediaId} is not available in this process (upload it again)`,
            null,
            'give_up'
          )
        }
        source = Buffer.from(stored.bytes)
        mimetype = stored.mimeType
      }
      if (!source) throw new ChannelSendError('Media needs a link or a media id', null, 'give_up')
      const message: Record<string, unknown> = { [content.type]: source }
      if (content.caption && content.type !== 'audio' && content.type !== 'sticker')
        message.caption = content.caption
      if (content.type === 'document') {
        message.fileName = content.filename ?? 'document'
        message.mimetype = mimetype ?? 'application/octet-stream'
      } else if (mimetype) message.mimetype = mimetype
      if (content.type === 'audio' && content.voice) message.ptt = true
      return { message }
    }
    case 'location':
      return {
        message: {
          location: {
            degreesLatitude: content.latitude,
            degreesLongitude: content.longitude,
            name: content.name,
            address: content.address,
          },
        },
      }
    case 'reaction':
      return { message: { react: { text: content.emoji, key: { id: content.messageId } } } }
    case 'template':
      throw new ChannelSendError(
        'QR numbers cannot send WhatsApp templates (Cloud API only); send a normal message within the conversation instead.',
        null,
        'give_up'
      )
    default:
      throw new ChannelSendError(
        `QR numbers cannot send "${content.type}" messages`,
        null,
        'give_up'
      )
  }
}
