import type { HttpContext } from '@adonisjs/core/http'
import drive from '@adonisjs/drive/services/main'
import Contact from '#contacts/models/contact'
import ContactExport from '#contacts/models/contact_export'
import { csvExportValidator } from '#contacts/validators/exports'
import { requestCsvExport } from '#contacts/actions/export_contacts'
import {
  EXPORTS_CHANNEL,
  SIGNATURE_PURPOSE,
  downloadName,
  isExpired,
  progressOf,
  signedDownloadUrl,
  type ExportProgress,
} from '#contacts/services/export_files'
import { workspaceChannel } from '#core/realtime'
import { audit } from '#core/services/audit'

export type ExportRow = ExportProgress & {
  createdAt: string
  finishedAt: string | null
  /** Who or what was exported: a contact's name for `contact` exports. */
  subject: string | null
  expired: boolean
  /** A signed, expiring link; null until completed and after expiry. */
  downloadUrl: string | null
}

export type ExportsPageProps = {
  exports: ExportRow[]
  realtimeChannel: string
  isOwner: boolean
}

/** Whose exports a member sees and may download: their own; the owner sees all. */
function visibleTo(ctx: HttpContext, exp: ContactExport) {
  if (exp.kind === 'workspace') return ctx.member.isOwner
  return ctx.member.isOwner || exp.userId === ctx.auth.user!.id
}

export async function exportRows(ctx: HttpContext, exports: ContactExport[]): Promise<ExportRow[]> {
  const contactIds = exports
    .filter((exp) => exp.kind === 'contact')
    .map((exp) => String(exp.params.contact ?? ''))
  const contacts = contactIds.length ? await Contact.query().whereIn('public_id', contactIds) : []
  const names = new Map(contacts.map((contact) => [contact.publicId, contact.displayName]))
  return exports.map((exp) => ({
    ...progressOf(exp),
    createdAt: exp.createdAt.toISO()!,
    finishedAt: exp.finishedAt?.toISO() ?? null,
    subject:
      exp.kind === 'contact'
        ? names.get(String(exp.params.contact)) || String(exp.params.contact ?? '')
        : null,
    expired: isExpired(exp),
    downloadUrl: signedDownloadUrl(ctx.workspace.slug, exp),
  }))
}

/**
 * Contacts › Exports (contacts.export): CSV exports of a filtered list or
 * a saved segment, the list of exports with live progress, and the signed
 * download of any finished export (CSV, a contact's data, the workspace).
 */
export default class ExportsController {
  async index(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'contacts.export')
    const query = ContactExport.query().orderBy('id', 'desc').limit(50)
    if (!ctx.member.isOwner) {
      query.where('user_id', ctx.auth.user!.id).whereNot('kind', 'workspace')
    }
    const props: ExportsPageProps = {
      exports: await exportRows(ctx, await query),
      realtimeChannel: await workspaceChannel(ctx.workspace.id, EXPORTS_CHANNEL),
      isOwner: ctx.member.isOwner,
    }
    return ctx.inertia.render('contacts/exports/index', props)
  }

  /** POST { definition } (the list's filter) or { segment }: queues a CSV export. */
  async store(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'contacts.export')
    const payload = await ctx.request.validateUsing(csvExportValidator)
    const exp = await requestCsvExport({
      definition: payload.definition as any,
      segment: payload.segment ?? null,
      userId: ctx.auth.user!.id,
    })
    if (ctx.request.accepts(['html', 'json']) === 'json' && !ctx.request.header('x-inertia')) {
      return ctx.response.created((await exportRows(ctx, [exp]))[0])
    }
    ctx.session.flash('success', ctx.i18n.t('exports.started'))
    return ctx.response.redirect(`/w/${ctx.workspace.slug}/contacts/exports`)
  }

  /** GET: one export's progress and, once finished, its signed link (JSON). */
  async show(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'contacts.export')
    const exp = await ContactExport.findByOrFail('public_id', ctx.params.export)
    if (!visibleTo(ctx, exp)) return ctx.response.notFound({ errors: [{ message: 'Not found' }] })
    return (await exportRows(ctx, [exp]))[0]
  }

  /**
   * GET (signed): the file. A member with the permission, in the export's
   * workspace (404 otherwise, like any record), with a valid signature
   * (403); 410 once the export expired.
   */
  async download(ctx: HttpContext) {
    const { request, response, i18n } = ctx
    const exp = await ContactExport.findByOrFail('public_id', ctx.params.export)
    await ctx.bouncer.authorize('permit', 'contacts.export')
    if (!visibleTo(ctx, exp)) return response.notFound({ errors: [{ message: 'Not found' }] })
    if (isExpired(exp)) {
      return response.status(410).send({ errors: [{ message: i18n.t('exports.link_expired') }] })
    }
    if (!request.hasValidSignature(SIGNATURE_PURPOSE)) {
      return response.forbidden({ errors: [{ message: i18n.t('exports.link_invalid') }] })
    }
    if (exp.status !== 'completed' || !exp.filePath || !(await drive.use().exists(exp.filePath))) {
      return response.notFound({ errors: [{ message: i18n.t('exports.not_ready') }] })
    }
    await audit({
      action: 'contacts.export_downloaded',
      workspaceId: ctx.workspace.id,
      target: { type: 'contact_exports', id: exp.publicId },
      after: { kind: exp.kind, fileSize: exp.fileSize },
    })
    const name = downloadName(exp)
    response.header(
      'content-type',
      exp.kind === 'csv' ? 'text/csv; charset=utf-8' : 'application/zip'
    )
    response.header('content-disposition', `attachment; filename="${name}"`)
    response.header('cache-control', 'private, no-store')
    response.header('x-content-type-options', 'nosniff')
    if (exp.fileSize) response.header('content-length', String(exp.fileSize))
    return response.stream(await drive.use().getStream(exp.filePath))
  }
}
