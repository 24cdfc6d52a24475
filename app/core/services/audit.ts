import { HttpContext } from '@adonisjs/core/http'
import AuditLog from '#core/models/audit_log'

export type AuditEntry = {
  action: string
  workspaceId?: number | null
  actorId?: number | null
  target?: { type: string; id: string | number } | null
  before?: Record<string, unknown> | null
  after?: Record<string, unknown> | null
  /**
   * Taken from the current HTTP request when omitted.
   */
  ip?: string | null
  userAgent?: string | null
  route?: string | null
}

/**
 * The one writer of the audit log. Inside an HTTP request the actor, IP,
 * user agent and route are filled in from the request.
 */
export async function audit(entry: AuditEntry): Promise<AuditLog> {
  const ctx = HttpContext.get()
  const userAgent = entry.userAgent ?? ctx?.request.header('user-agent') ?? null
  return AuditLog.create({
    action: entry.action,
    workspaceId: entry.workspaceId ?? null,
    actorId: entry.actorId !== undefined ? entry.actorId : (ctx?.auth?.user?.id ?? null),
    targetType: entry.target?.type ?? null,
    targetId: entry.target ? String(entry.target.id) : null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: entry.ip ?? ctx?.request.ip() ?? null,
    userAgent: userAgent ? userAgent.slice(0, 255) : null,
    route:
      entry.route ?? (ctx ? `${ctx.request.method()} ${ctx.request.url()}`.slice(0, 255) : null),
  })
}
