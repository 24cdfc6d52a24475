import { PassThrough } from 'node:stream'
import { getCountries } from 'libphonenumber-js'
import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import { errors as vineErrors } from '@vinejs/vine'
import ContactImport, {
  type ImportOptions,
  type ImportTarget,
} from '#contacts/models/contact_import'
import { workspaceFields } from '#contacts/services/custom_fields'
import {
  IMPORT_EXTENSIONS,
  MAX_IMPORT_BYTES,
  UnreadableFileError,
} from '#contacts/services/import_file'
import { MappingError, prepareMapping, suggestMapping } from '#contacts/services/import_rows'
import {
  cancelImport,
  createImport,
  importProgress,
  previewImport,
  startImport,
  type ImportProgress,
} from '#contacts/actions/import_contacts'
import { importPreviewValidator, importStartValidator } from '#contacts/validators/import'
import { paginationMeta } from '#core/helpers/pagination'
import { workspaceChannel } from '#core/realtime'
import { tenancy } from '#core/tenancy/context'

export type ImportRow = ImportProgress & {
  fileName: string
  format: 'csv' | 'xlsx'
  fileSize: number
  createdAt: string
  finishedAt: string | null
}

export type ImportsIndexProps = {
  imports: ImportRow[]
  meta: ReturnType<typeof paginationMeta>
  maxBytes: number
  extensions: readonly string[]
}

export type ImportShowProps = {
  import: ImportRow
  headers: string[]
  rows: string[][]
  mapping: ImportTarget[]
  options: ImportOptions
  fields: { key: string; label: string; type: string; required: boolean }[]
  /** ISO 3166 codes libphonenumber knows, for the default country picker. */
  countries: string[]
  realtimeChannel: string
  errors: { row: number; column: string | null; reason: string }[]
}

function rowOf(record: ContactImport): ImportRow {
  return {
    ...importProgress(record),
    fileName: record.fileName,
    format: record.format,
    fileSize: Number(record.fileSize),
    createdAt: record.createdAt.toISO()!,
    finishedAt: record.finishedAt?.toISO() ?? null,
  }
}

function fieldError(field: string, message: string): never {
  throw new vineErrors.E_VALIDATION_ERROR([{ field, message, rule: field }])
}

/**
 * Contacts → Imports (contacts.import): upload a CSV/XLSX, map its
 * columns, start, watch the progress, download the error report.
 */
export default class ImportsController {
  async index({ inertia, bouncer, request }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.import')
    const page = Math.max(1, Number(request.input('page', 1)) || 1)
    const list = await ContactImport.query().orderBy('id', 'desc').paginate(page, 20)
    const props: ImportsIndexProps = {
      imports: list.all().map(rowOf),
      meta: paginationMeta(list),
      maxBytes: MAX_IMPORT_BYTES,
      extensions: IMPORT_EXTENSIONS,
    }
    return inertia.render('contacts/imports/index', props)
  }

  async store({ request, response, bouncer, auth, i18n, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.import')
    const file = request.file('file')
    if (!file) fieldError('file', i18n.t('imports.upload.missing'))
    const extname = (file.extname ?? file.clientName.split('.').pop() ?? '').toLowerCase()
    if (!(IMPORT_EXTENSIONS as readonly string[]).includes(extname)) {
      fieldError('file', i18n.t('imports.upload.bad_type', { name: file.clientName }))
    }
    if (file.size > MAX_IMPORT_BYTES || file.errors.some((error) => error.type === 'size')) {
      fieldError('file', i18n.t('imports.upload.too_large', { size: '100 MB' }))
    }
    if (file.size === 0) fieldError('file', i18n.t('imports.upload.empty'))
    let record: ContactImport
    try {
      record = await createImport({
        userId: auth.user!.id,
        fileName: file.clientName,
        extname,
        size: file.size,
        store: (key) => file.moveToDisk(key),
      })
    } catch (error) {
      if (error instanceof UnreadableFileError) {
        fieldError('file', i18n.t(`imports.upload.unreadable_${error.code}`))
      }
      // exceljs / csv-parse refusing the bytes: not a readable spreadsheet.
      if (error instanceof Error && !(error as { status?: number }).status) {
        fieldError('file', i18n.t('imports.upload.unreadable_unreadable'))
      }
      throw error
    }
    return response.redirect(`/w/${workspace.slug}/contacts/imports/${record.publicId}`)
  }

  async show({ inertia, bouncer, params, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.import')
    const record = await ContactImport.findByOrFail('public_id', params.import)
    const fields = await workspaceFields()
    const headers = record.preview?.headers ?? []
    // Explicitly scoped: the first rejected rows, shown under the counts.
    const rejected = await db
      .from('contact_import_errors')
      .where('workspace_id', tenancy.workspaceId())
      .where('import_id', record.id)
      .orderBy('id', 'asc')
      .limit(20)
      .select('row_number', 'column_name', 'reason')
    const props: ImportShowProps = {
      import: rowOf(record),
      headers,
      rows: record.preview?.rows ?? [],
      mapping: record.mapping ?? suggestMapping(headers, fields),
      options: record.options ?? {
        defaultCountry: workspace.defaultCountry ?? null,
        onExisting: 'update',
        tags: [],
        consentScope: 'marketing',
      },
      fields: fields.map((field) => ({
        key: field.key,
        label: field.label,
        type: field.type,
        required: field.required,
      })),
      countries: getCountries(),
      realtimeChannel: await workspaceChannel(
        tenancy.workspaceId(),
        `contacts/imports/${record.publicId}`
      ),
      errors: rejected.map((row) => ({
        row: Number(row.row_number),
        column: row.column_name,
        reason: row.reason,
      })),
    }
    return inertia.render('contacts/imports/show', props)
  }

  /** POST …/preview (JSON): the sample rows as the chosen mapping would store them. */
  async preview({ request, bouncer, params, response, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.import')
    const record = await ContactImport.findByOrFail('public_id', params.import)
    const payload = await request.validateUsing(importPreviewValidator)
    const fields = await workspaceFields()
    try {
      const mapping = prepareMapping(
        payload.mapping as ImportTarget[],
        record.preview?.headers ?? [],
        fields
      )
      return {
        rows: previewImport(record, mapping, { defaultCountry: payload.defaultCountry ?? null }),
      }
    } catch (error) {
      if (!(error instanceof MappingError)) throw error
      return response.unprocessableEntity({
        errors: [
          {
            field: 'mapping',
            message: i18n.t(`imports.mapping_errors.${error.key}`, error.params),
          },
        ],
      })
    }
  }

  async start({ request, bouncer, params, response, session, i18n, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.import')
    const record = await ContactImport.findByOrFail('public_id', params.import)
    const payload = await request.validateUsing(importStartValidator)
    if (record.status !== 'uploaded') fieldError('mapping', i18n.t('imports.start.already'))
    try {
      await startImport(record, {
        mapping: payload.mapping as ImportTarget[],
        options: {
          defaultCountry: payload.defaultCountry ?? null,
          onExisting: payload.onExisting,
          tags: [...new Set(payload.tags ?? [])],
          consentScope: payload.consentScope ?? 'marketing',
        },
      })
    } catch (error) {
      if (!(error instanceof MappingError)) throw error
      fieldError('mapping', i18n.t(`imports.mapping_errors.${error.key}`, error.params))
    }
    session.flash('success', i18n.t('imports.start.queued'))
    return response.redirect(`/w/${workspace.slug}/contacts/imports/${record.publicId}`)
  }

  async cancel({ bouncer, params, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.import')
    const record = await ContactImport.findByOrFail('public_id', params.import)
    const done = await cancelImport(record)
    session.flash(
      done ? 'success' : 'error',
      i18n.t(done ? 'imports.cancelled' : 'imports.not_cancellable')
    )
    return response.redirect().back()
  }

  /** GET …/errors.csv: every rejected row (row, column, reason), streamed. */
  async errors({ bouncer, params, response }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.import')
    const record = await ContactImport.findByOrFail('public_id', params.import)
    const workspaceId = tenancy.workspaceId()
    const out = new PassThrough()
    const name = record.fileName.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || 'import'
    response.header('content-type', 'text/csv; charset=utf-8')
    response.header('content-disposition', `attachment; filename="${name}-errors.csv"`)
    response.stream(out)
    void (async () => {
      try {
        out.write('\uFEFFrow,column,reason\n')
        let after = 0
        for (;;) {
          // Explicitly scoped keyset pages.
          const rows = await db
            .from('contact_import_errors')
            .where('workspace_id', workspaceId)
            .where('import_id', record.id)
            .where('id', '>', after)
            .orderBy('id', 'asc')
            .limit(5000)
            .select('id', 'row_number', 'column_name', 'reason')
          if (!rows.length) break
          after = Number(rows[rows.length - 1].id)
          const text = rows
            .map((row) => [row.row_number, csvCell(row.column_name), csvCell(row.reason)].join(','))
            .join('\n')
          if (!out.write(`${text}\n`)) await new Promise((resolve) => out.once('drain', resolve))
        }
        out.end()
      } catch (error) {
        out.destroy(error as Error)
      }
    })()
  }
}

/** A CSV cell, quoted when needed; a leading = + - @ is neutralised (spreadsheet formulas). */
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value)
  if (/^[=+\-@]/.test(text)) text = `'${text}`
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
