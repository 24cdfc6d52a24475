import type { HttpContext } from '@adonisjs/core/http'
import { auditActions, listAuditLogs } from '#core/queries/list_audit_logs'

/**
 * The workspace's own audit log (settings.audit).
 */
export default class AuditController {
  async index({ inertia, request, bouncer, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'settings.audit')
    const filters = {
      action: request.input('action') || null,
      from: request.input('from') || null,
      to: request.input('to') || null,
    }
    return inertia.render('settings/audit', {
      entries: await listAuditLogs(workspace.id, {
        ...filters,
        page: Number(request.input('page', 1)) || 1,
      }),
      filters,
      actions: await auditActions(workspace.id),
    })
  }
}
