import { paginationMeta } from '#core/helpers/pagination'
import { DateTime } from 'luxon'
import AuditLog from '#core/models/audit_log'

export type AuditFilters = {
  action?: string | null
  from?: string | null
  to?: string | null
  workspace?: string | null
  page?: number
}

function day(value: string | null | undefined, end: boolean) {
  if (!value) return null
  const date = DateTime.fromISO(value, { zone: 'utc' })
  if (!date.isValid) return null
  return (end ? date.endOf('day') : date.startOf('day')).toSQL({ includeOffset: false })
}

/**
 * The audit log, newest first, 25 a page. `workspaceId` limits it to one
 * workspace (the tenant's own log); `null` is the platform-wide view.
 */
export async function listAuditLogs(workspaceId: number | null, filters: AuditFilters) {
  const query = AuditLog.query().preload('actor').preload('workspace').orderBy('id', 'desc')
  if (workspaceId !== null) query.where('workspace_id', workspaceId)
  if (filters.action) query.where('action', filters.action)
  const from = day(filters.from, false)
  const to = day(filters.to, true)
  if (from) query.where('created_at', '>=', from)
  if (to) query.where('created_at', '<=', to)
  if (filters.workspace && workspaceId === null) {
    query.whereHas('workspace', (workspace) => workspace.where('slug', filters.workspace!))
  }
  const page = await query.paginate(Math.max(1, filters.page ?? 1), 25)
  return {
    data: page.all().map((entry) => ({
      id: entry.id,
      action: entry.action,
      actor: entry.actor ? { fullName: entry.actor.fullName, email: entry.actor.email } : null,
      workspace: entry.workspace
        ? { name: entry.workspace.name, slug: entry.workspace.slug }
        : null,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: entry.before,
      after: entry.after,
      ip: entry.ip,
      userAgent: entry.userAgent,
      route: entry.route,
      createdAt: entry.createdAt.toISO(),
    })),
    meta: paginationMeta(page),
  }
}

export async function auditActions(workspaceId: number | null): Promise<string[]> {
  const query = AuditLog.query().distinct('action').orderBy('action')
  if (workspaceId !== null) query.where('workspace_id', workspaceId)
  return (await query).map((row) => row.action)
}
