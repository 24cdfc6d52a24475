import { once } from 'node:events'
import type { Readable, Writable } from 'node:stream'
import { DateTime } from 'luxon'
import drive from '@adonisjs/drive/services/main'
import router from '@adonisjs/core/services/router'
import env from '#start/env'
import ContactExport from '#contacts/models/contact_export'
import { broadcast } from '#core/realtime'
import { audit } from '#core/services/audit'
import { queue } from '#core/queue/main'
import { tenancy } from '#core/tenancy/context'

/**
 * Files of contact exports: where they are stored, how long they live,
 * how progress reaches the exports page and how a download link is made.
 *
 * Files sit on the private drive disk under
 * `workspaces/<workspace id>/exports/<export public id>.<csv|zip>`: never
 * served directly, only through the signed download route, which checks
 * the signature, the member's permission and the tenant too.
 */

/** `EXPORT_LINK_TTL_HOURS` (default 24): how long a finished export can be downloaded. */
export function exportTtlHours(): number {
  const hours = Number(env.get('EXPORT_LINK_TTL_HOURS') ?? 24)
  return Number.isFinite(hours) && hours > 0 ? hours : 24
}

export function exportFileKey(workspaceId: number, exp: Pick<ContactExport, 'publicId' | 'kind'>) {
  const extension = exp.kind === 'csv' ? 'csv' : 'zip'
  return `workspaces/${workspaceId}/exports/${exp.publicId}.${extension}`
}

export function isExpired(exp: Pick<ContactExport, 'expiresAt'>, now = DateTime.utc()) {
  return exp.expiresAt !== null && exp.expiresAt <= now
}

/** The name a browser saves the file as. */
export function downloadName(exp: Pick<ContactExport, 'kind' | 'createdAt' | 'publicId'>) {
  const stamp = exp.createdAt.toUTC().toFormat('yyyyLLdd-HHmm')
  if (exp.kind === 'csv') return `contacts-${stamp}.csv`
  if (exp.kind === 'contact') return `contact-data-${stamp}.zip`
  return `workspace-export-${stamp}.zip`
}

export const DOWNLOAD_ROUTE = 'contacts.exports.download'
export const SIGNATURE_PURPOSE = 'contacts.export.download'

/**
 * A signed link to download a finished export, valid until the export
 * expires; null when there is nothing to download (yet, or any more).
 */
export function signedDownloadUrl(workspaceSlug: string, exp: ContactExport): string | null {
  if (exp.status !== 'completed' || !exp.filePath || !exp.expiresAt || isExpired(exp)) return null
  const remainingMs = Math.max(1000, exp.expiresAt.toMillis() - Date.now())
  return router
    .builder()
    .params({ workspace: workspaceSlug, export: exp.publicId })
    .makeSigned(DOWNLOAD_ROUTE, { expiresIn: remainingMs, purpose: SIGNATURE_PURPOSE })
}

export type ExportProgress = {
  id: string
  kind: ContactExport['kind']
  status: ContactExport['status']
  processed: number
  total: number | null
  fileSize: number | null
  expiresAt: string | null
  failure: string | null
}

export function progressOf(exp: ContactExport): ExportProgress {
  return {
    id: exp.publicId,
    kind: exp.kind,
    status: exp.status,
    processed: exp.processedRows,
    total: exp.totalRows,
    fileSize: exp.fileSize,
    expiresAt: exp.expiresAt?.toISO() ?? null,
    failure: exp.failure,
  }
}

/** The exports page listens on `workspaces/<id>/contacts/exports`. */
export const EXPORTS_CHANNEL = 'contacts/exports'

export async function broadcastProgress(workspaceId: number, exp: ContactExport) {
  await broadcast(workspaceId, EXPORTS_CHANNEL, progressOf(exp))
}

/**
 * Streams `source` into the drive at `key`. Returns a promise settled when
 * the upload finishes; an upload failure also destroys the source so a
 * writer waiting on backpressure stops instead of hanging.
 */
export function uploadStream(key: string, source: Readable): Promise<void> {
  return drive
    .use()
    .putStream(key, source)
    .catch((error) => {
      source.destroy(error)
      throw error
    })
}

/** Writes one chunk, waiting for the stream to drain when its buffer is full. */
export async function writeChunk(stream: Writable, chunk: unknown) {
  if (stream.destroyed) throw stream.errored ?? new Error('The export stream was closed')
  if (!stream.write(chunk)) await once(stream, 'drain')
}

export async function fileSizeOf(key: string): Promise<number | null> {
  try {
    return (await drive.use().getMetaData(key)).contentLength
  } catch {
    return null
  }
}

export async function deleteFile(key: string | null) {
  if (!key) return
  await drive.use().delete(key)
}

export const EXPORT_JOB = 'contacts.export'

/**
 * Records an export request (audited) and queues the job that writes it.
 * Every kind of export starts here: CSV of an audience, one contact's
 * data, the whole workspace.
 */
export async function createExport(input: {
  kind: ContactExport['kind']
  params: Record<string, unknown>
  userId: number | null
  /** Audit target; the export itself when omitted. */
  subject?: { type: string; id: string }
  /** false: only record it (a benchmark or command then calls `runExport` itself). */
  queue?: boolean
}): Promise<ContactExport> {
  const exp = await ContactExport.create({
    userId: input.userId,
    kind: input.kind,
    params: input.params,
    status: 'queued',
    processedRows: 0,
  })
  const workspaceId = tenancy.workspaceId()
  await audit({
    action: 'contacts.export_requested',
    workspaceId,
    actorId: input.userId,
    target: input.subject ?? { type: 'contact_exports', id: exp.publicId },
    after: { export: exp.publicId, kind: exp.kind, params: input.params },
  })
  if (input.queue !== false) {
    await queue().dispatch(EXPORT_JOB, { exportId: exp.id }, { workspaceId, attempts: 3 })
  }
  await broadcastProgress(workspaceId, exp)
  return exp
}
