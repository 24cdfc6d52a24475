import type { HttpContext } from '@adonisjs/core/http'
import { auditActions, listAuditLogs } from '#core/queries/list_audit_logs'

/**
 * The platform-wide audit log.
 */
export default class AdminAuditController {
  async index({ inertia, request }: HttpContext) {
    const filters = {
      action: request.input('action') || null,
      from: request.input('from') || null,
      to: request.input('to') || null,
      workspace: request.input('workspace') || null,
    }
    return inertia.render('admin/audit', {
      entries: await listAuditLogs(null, {
        ...filters,
        page: Number(request.input('page', 1)) || 1,
      }),
      filters,
      actions: await auditActions(null),
    })
  }
}
