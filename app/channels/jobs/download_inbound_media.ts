import drive from '@adonisjs/drive/services/main'
import Message from '#inbox/models/message'
import Channel from '#channels/models/channel'
import { channelDrivers } from '#channels/registry'
import { tenancy } from '#core/tenancy/context'

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/ogg': 'ogg',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
}

export function extensionFor(mime: string | null): string {
  return EXTENSIONS[(mime ?? '').split(';')[0].trim()] ?? 'bin'
}

/**
 * The `media.download_inbound` job: copies an inbound attachment into the
 * workspace's storage before Meta's media id expires (7 days; each
 * download URL lives 5 minutes, the driver refreshes it).
 */
export async function downloadInboundMedia(payload: { messageId: number; mediaId: string }) {
  const message = await Message.find(payload.messageId)
  if (!message || message.mediaPath) return
  const channel = await Channel.findOrFail(message.channelId)
  const file = await channelDrivers
    .get(channel.driver)
    .downloadMedia(channel.credentials(), payload.mediaId)
  const mime = file.mimeType || message.mediaMime
  const path = `workspaces/${tenancy.workspaceId()}/media/${message.publicId}.${extensionFor(mime)}`
  await drive.use().put(path, file.bytes)
  message.merge({ mediaPath: path, mediaMime: mime })
  await message.save()
}
