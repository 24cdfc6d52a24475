import { DateTime } from 'luxon'
import logger from '@adonisjs/core/services/logger'
import ContactExport from '#contacts/models/contact_export'
import {
  broadcastProgress,
  deleteFile,
  exportFileKey,
  exportTtlHours,
  fileSizeOf,
} from '#contacts/services/export_files'
import { audit } from '#core/services/audit'
import { tenancy } from '#core/tenancy/context'

/**
 * Runs one export to the end: status, progress (saved and broadcast over
 * Transmit), the file on the drive, its size and expiry, the audit row.
 * Each kind has a writer; a writer reports progress and returns the rows
 * (contacts or messages) it wrote.
 */
export type ExportWriter = (
  exp: ContactExport,
  context: {
    key: string
    progress: (processed: number, total?: number | null) => Promise<void>
  }
) => Promise<{ rows: number; total?: number }>

async function writerOf(kind: ContactExport['kind']): Promise<ExportWriter> {
  if (kind === 'csv') return (await import('#contacts/actions/export_contacts')).writeCsvExport
  if (kind === 'contact') {
    return (await import('#contacts/actions/export_contact_data')).writeContactArchive
  }
  return (await import('#contacts/actions/export_workspace')).writeWorkspaceArchive
}

/** Progress is saved and broadcast at most this often (and at each end). */
const PROGRESS_EVERY_MS = 500

/**
 * Writes export `exportId` of the current workspace (the job runs inside
 * its tenant context; a benchmark wraps the call in `tenancy.run`). A
 * completed export is left alone; a running one (a worker died) starts
 * over and overwrites its file. Never throws for a failed export: the
 * failure is stored on the export and shown on the exports page.
 */
export async function runExport(exportId: number): Promise<ContactExport> {
  const exp = await ContactExport.findOrFail(exportId)
  if (exp.status === 'completed') return exp
  const workspaceId = tenancy.workspaceId()
  const key = exportFileKey(workspaceId, exp)
  exp.merge({ status: 'running', processedRows: 0, failure: null, filePath: null, fileSize: null })
  await exp.save()
  await broadcastProgress(workspaceId, exp)

  let lastSaved = 0
  const progress = async (processed: number, total?: number | null) => {
    exp.processedRows = processed
    if (total !== undefined) exp.totalRows = total
    if (total === undefined && Date.now() - lastSaved < PROGRESS_EVERY_MS) return
    lastSaved = Date.now()
    await exp.save()
    await broadcastProgress(workspaceId, exp)
  }

  try {
    const writer = await writerOf(exp.kind)
    const result = await writer(exp, { key, progress })
    const now = DateTime.utc()
    exp.merge({
      status: 'completed',
      processedRows: result.rows,
      totalRows: result.total ?? result.rows,
      filePath: key,
      fileSize: await fileSizeOf(key),
      finishedAt: now,
      expiresAt: now.plus({ hours: exportTtlHours() }),
    })
    await exp.save()
    await audit({
      action: 'contacts.export_completed',
      workspaceId,
      actorId: exp.userId,
      target: { type: 'contact_exports', id: exp.publicId },
      after: { kind: exp.kind, rows: result.rows, fileSize: exp.fileSize },
    })
  } catch (error) {
    logger.error({ err: error, exportId: exp.publicId }, 'contacts: export failed')
    await deleteFile(key).catch(() => {})
    exp.merge({
      status: 'failed',
      failure: (error instanceof Error ? error.message : String(error)).slice(0, 500),
      finishedAt: DateTime.utc(),
    })
    await exp.save()
    await audit({
      action: 'contacts.export_failed',
      workspaceId,
      actorId: exp.userId,
      target: { type: 'contact_exports', id: exp.publicId },
      after: { kind: exp.kind, failure: exp.failure },
    })
  }
  await broadcastProgress(workspaceId, exp)
  return exp
}
