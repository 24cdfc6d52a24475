import { open } from 'node:fs/promises'
import { ulid } from 'ulidx'
import drive from '@adonisjs/drive/services/main'
import type { MultipartFile } from '@adonisjs/core/bodyparser'
import type Conversation from '#inbox/models/conversation'
import type Message from '#inbox/models/message'
import type { OutboundContent } from '#channels/driver'
import { extensionFor } from '#channels/jobs/download_inbound_media'
import { sendMessage } from '#inbox/actions/send_message'
import { checkAttachment } from '#inbox/services/media_limits'
import { OutsideServiceWindowException } from '#inbox/exceptions/outside_service_window_exception'
import { CaptionNotSupportedException } from '#inbox/exceptions/inbox_exceptions'

/** The file's type: the one detected from its bytes, else the one the browser declared. */
export function mimeOf(file: MultipartFile): string {
  if (file.type && file.subtype) return `${file.type}/${file.subtype}`.toLowerCase()
  return String(file.headers?.['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase()
}

async function headOf(path: string | undefined): Promise<Uint8Array | undefined> {
  if (!path) return undefined
  const handle = await open(path, 'r')
  try {
    const buffer = new Uint8Array(32)
    const { bytesRead } = await handle.read(buffer, 0, 32, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/**
 * Sends an attachment from the composer. In order, so that nothing is
 * stored for a refused file: type and size against Meta's limits, the
 * 24-hour window, then the file is moved onto the drive
 * (`workspaces/<id>/media/out/<ulid>.<ext>`) and queued with
 * `sendMessage`; the send job uploads it to the provider. If queueing
 * fails the stored file is removed.
 */
export async function replyWithAttachment(input: {
  conversation: Conversation
  file: MultipartFile
  caption?: string | null
  replyTo?: string | null
  sentById: number
}): Promise<Message> {
  const { conversation, file } = input
  const mime = mimeOf(file)
  const kind = checkAttachment({ mime, size: file.size, head: await headOf(file.tmpPath) })
  const caption = input.caption?.trim() || null
  if (caption && (kind === 'audio' || kind === 'sticker')) throw new CaptionNotSupportedException()
  if (!conversation.isServiceWindowOpen()) throw new OutsideServiceWindowException()

  const clientExt = (file.extname ?? '').toLowerCase()
  const ext = /^[a-z0-9]{1,8}$/.test(clientExt) ? clientExt : extensionFor(mime)
  const path = `workspaces/${conversation.workspaceId}/media/out/${ulid()}.${ext}`
  await drive.use().moveFromFs(file.tmpPath!, path)

  const content: OutboundContent = { type: kind }
  if (caption) content.caption = caption
  if (kind === 'document') content.filename = file.clientName.slice(0, 240)
  try {
    return await sendMessage({
      conversation,
      content,
      replyTo: input.replyTo ?? null,
      sentById: input.sentById,
      media: { path, mime },
    })
  } catch (error) {
    await drive
      .use()
      .delete(path)
      .catch(() => {})
    throw error
  }
}
