import { createHash, randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import { ChannelSendError, type OutboundContent, type PluginContext } from '#sdk/index'
import { readTimestamp } from './time.js'

/**
 * Media of QR numbers, persisted so that any worker (and a restarted one)
 * can use it:
 *
 * - uploads (`uploadMedia`): bytes on the drive disk through `ctx.storage`
 *   (`plugins/qr_baileys/uploads/<workspace>/<media id>`), metadata in
 *   `qr_baileys_uploads`. Bounded by Meta's per-type limits, 30 days.
 * - inbound attachments: what Baileys needs to fetch them later, encrypted
 *   in `qr_baileys_inbound_media`, keyed by the media id given to the inbox.
 */
export const MEDIA_TTL_DAYS = 30
const MB = 1024 * 1024

/** Meta's upload limits (Cloud API media reference), applied to QR uploads too. */
export function uploadLimitFor(mimeType: string): number {
  const mime = mimeType.toLowerCase()
  if (mime.startsWith('image/')) return 5 * MB
  if (mime.startsWith('video/') || mime.startsWith('audio/')) return 16 * MB
  return 100 * MB
}

const sql = (at: DateTime = DateTime.utc()) => at.toUTC().toFormat('yyyy-MM-dd HH:mm:ss')

export type StoredMedia = { bytes: Uint8Array; mimeType: string; sha256: string }
export type SessionRef = { workspaceId: number; channelId: number }

const UPLOAD_ID = /^qrm_[0-9a-f]{24}$/

export const uploads = {
  isUploadId: (id: string) => UPLOAD_ID.test(id),

  async put(
    ctx: PluginContext,
    owner: SessionRef,
    file: { bytes: Uint8Array; mimeType: string; filename?: string | null }
  ): Promise<string> {
    const mimeType = (file.mimeType || 'application/octet-stream').slice(0, 127)
    const limit = uploadLimitFor(mimeType)
    if (file.bytes.byteLength > limit) {
      throw new ChannelSendError(
        `The file is ${(file.bytes.byteLength / MB).toFixed(1)} MB; ${mimeType} files may be at most ${limit / MB} MB`,
        413,
        'give_up'
      )
    }
    const id = `qrm_${randomBytes(12).toString('hex')}`
    const path = `uploads/${owner.workspaceId}/${id}`
    await ctx.storage.put(path, file.bytes)
    await ctx.db.table('qr_baileys_uploads').insert({
      workspace_id: owner.workspaceId,
      channel_id: owner.channelId,
      media_id: id,
      path,
      mime_type: mimeType,
      filename: file.filename ? String(file.filename).slice(0, 255) : null,
      size: file.bytes.byteLength,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      created_at: sql(),
      expires_at: sql(DateTime.utc().plus({ days: MEDIA_TTL_DAYS })),
    })
    return id
  },

  /** The upload's bytes, or null when unknown, expired or from another channel's workspace. */
  async get(ctx: PluginContext, workspaceId: number, id: string): Promise<StoredMedia | null> {
    if (!UPLOAD_ID.test(id)) return null
    const row = await ctx.db
      .from('qr_baileys_uploads')
      .where('media_id', id)
      .where('workspace_id', workspaceId)
      .first()
    if (!row) return null
    const expires = readTimestamp(row.expires_at)
    if (expires && expires < DateTime.utc()) return null
    const bytes = await ctx.storage.get(row.path)
    if (!bytes) return null
    return { bytes, mimeType: row.mime_type, sha256: row.sha256 }
  },
}

/**
 * Resolves the media id of an outbound message (if any) before the send,
 * so that content building stays synchronous.
 */
export async function mediaLookup(
  ctx: PluginContext,
  workspaceId: number,
  content: OutboundContent
): Promise<(id: string) => StoredMedia | null> {
  const id = 'mediaId' in content && content.mediaId ? content.mediaId : null
  const stored = id ? await uploads.get(ctx, workspaceId, id) : null
  return (wanted) => (wanted === id ? stored : null)
}

/*
| Inbound attachments
*/

/** What Baileys' downloadContentFromMessage and updateMediaMessage need. */
export type InboundMediaSource = {
  /** Baileys media type: image, video, audio, document, sticker. */
  type: string
  /** The message field, e.g. imageMessage. */
  field: string
  /** Base64. */
  mediaKey: string
  directPath: string | null
  url: string | null
  mimetype: string | null
  fileLength: number | null
  /** The WhatsApp message key (a re-upload request names the message). */
  key: { remoteJid: string; id: string; fromMe: boolean }
}

/** Uint8Array, Buffer, its JSON form, or base64 text → base64 (null when absent). */
export function base64Of(value: unknown): string | null {
  if (!value) return null
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  const data = (value as { data?: unknown }).data
  if (Array.isArray(data)) return Buffer.from(data).toString('base64')
  return null
}

const numberOf = (value: unknown) => {
  const number = Number(typeof value === 'object' && value !== null ? String(value) : value)
  return Number.isFinite(number) && number >= 0 ? number : null
}

export function inboundMediaSource(
  key: { remoteJid: string; id: string; fromMe?: boolean | null },
  type: string,
  field: string,
  media: Record<string, any>
): InboundMediaSource | null {
  const mediaKey = base64Of(media.mediaKey)
  if (!mediaKey || (!media.directPath && !media.url)) return null
  return {
    type,
    field,
    mediaKey,
    directPath: media.directPath ?? null,
    url: media.url ?? null,
    mimetype: media.mimetype ?? null,
    fileLength: numberOf(media.fileLength),
    key: { remoteJid: key.remoteJid, id: key.id, fromMe: Boolean(key.fromMe) },
  }
}

const PURPOSE = 'qr_baileys:inbound_media'

export const inboundMedia = {
  idFor: (channelId: number, messageId: string) => `qri_${channelId}_${messageId}`.slice(0, 191),

  /** Remembers the source once (a redelivered message keeps the first row). */
  async remember(
    ctx: PluginContext,
    owner: SessionRef,
    mediaId: string,
    source: InboundMediaSource
  ) {
    const exists = await ctx.db.from('qr_baileys_inbound_media').where('media_id', mediaId).first()
    if (exists) return
    try {
      await ctx.db.table('qr_baileys_inbound_media').insert({
        workspace_id: owner.workspaceId,
        channel_id: owner.channelId,
        media_id: mediaId,
        type: source.type,
        source: ctx.encryption.encrypt(JSON.stringify(source), PURPOSE),
        created_at: sql(),
        expires_at: sql(DateTime.utc().plus({ days: MEDIA_TTL_DAYS })),
      })
    } catch (error) {
      // Another process stored the same message first.
      if (!(await ctx.db.from('qr_baileys_inbound_media').where('media_id', mediaId).first())) {
        throw error
      }
    }
  },

  async find(ctx: PluginContext, channelId: number, mediaId: string) {
    const row = await ctx.db
      .from('qr_baileys_inbound_media')
      .where('media_id', mediaId)
      .where('channel_id', channelId)
      .first()
    if (!row) return null
    const text = ctx.encryption.decrypt<string>(row.source, PURPOSE)
    return {
      expiresAt: readTimestamp(row.expires_at),
      source: text ? (JSON.parse(text) as InboundMediaSource) : null,
    }
  },

  async update(
    ctx: PluginContext,
    mediaId: string,
    values: { source?: InboundMediaSource; error?: string | null }
  ) {
    await ctx.db
      .from('qr_baileys_inbound_media')
      .where('media_id', mediaId)
      .update({
        ...(values.source
          ? { source: ctx.encryption.encrypt(JSON.stringify(values.source), PURPOSE) }
          : {}),
        ...(values.error !== undefined ? { last_error: values.error?.slice(0, 500) ?? null } : {}),
      })
  },
}

/**
 * Deletes expired uploads (file, then row) and expired inbound sources.
 * Platform-wide housekeeping of the plugin's own tables.
 */
export async function purgeExpiredMedia(ctx: PluginContext, limit = 200) {
  const now = sql()
  const expired = await ctx.db
    .from('qr_baileys_uploads')
    .where('expires_at', '<', now)
    .orderBy('id')
    .limit(limit)
    .select('id', 'path')
  for (const row of expired) {
    await ctx.storage.delete(row.path)
    await ctx.db.from('qr_baileys_uploads').where('id', row.id).delete()
  }
  const inbound = await ctx.db
    .from('qr_baileys_inbound_media')
    .where('expires_at', '<', now)
    .delete()
  return { uploads: expired.length, inbound: Number(inbound) || 0 }
}
