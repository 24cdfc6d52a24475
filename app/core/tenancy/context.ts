import { AsyncLocalStorage } from 'node:async_hooks'
import { TenantContextMissingException } from '#core/exceptions/tenant_context_missing_exception'

/**
 * The current tenant. Opened by the workspace middleware for HTTP
 * requests, by the queue worker for jobs and by ace commands; read by the
 * `withTenancy` model mixin for every tenant-owned query.
 */
export type TenantContext = {
  workspaceId: number
  /**
   * Set only by `crossTenant()`: tenant-owned queries are not filtered
   * while it runs. Always audited.
   */
  crossTenantReason?: string
}

const storage = new AsyncLocalStorage<TenantContext>()

/**
 * Lucid query builders are lazy thenables: returned from a callback, they
 * would run after the context closed. Start them inside it.
 */
type Settled<T> = T extends PromiseLike<infer R> ? Promise<R> : T

function settleInside(value: unknown) {
  if (
    value &&
    typeof (value as PromiseLike<unknown>).then === 'function' &&
    !(value instanceof Promise)
  ) {
    return new Promise((resolve, reject) => (value as PromiseLike<unknown>).then(resolve, reject))
  }
  return value
}

export type CrossTenantAudit = (entry: {
  actorId: number | null
  workspaceId: number | null
  reason: string
}) => Promise<void>

let auditCrossing: CrossTenantAudit | null = null

export const tenancy = {
  /**
   * Run `callback` as workspace `workspaceId`. Used by the middleware, the
   * queue worker and ace commands, each of which knows its tenant.
   */
  run<T>(workspaceId: number, callback: () => T): Settled<T> {
    return storage.run({ workspaceId }, () => settleInside(callback())) as Settled<T>
  },

  current(): TenantContext | undefined {
    return storage.getStore()
  },

  /**
   * The current workspace id; throws when no tenant context is open so
   * that a forgotten scope fails closed instead of reading every tenant.
   */
  workspaceId(): number {
    const context = storage.getStore()
    if (!context) throw new TenantContextMissingException()
    return context.workspaceId
  },

  isCrossingTenants(): boolean {
    return Boolean(storage.getStore()?.crossTenantReason)
  },

  /**
   * The only way to read or write across workspaces (super admin panel,
   * platform jobs). Every call writes an audit row `tenancy.cross_tenant`.
   */
  async crossTenant<T>(
    options: { actorId: number | null; reason: string; workspaceId?: number | null },
    callback: () => PromiseLike<T>
  ): Promise<T> {
    if (!options.reason.trim()) {
      throw new Error('crossTenant() needs a reason; it is written to the audit log')
    }
    if (auditCrossing) {
      await auditCrossing({
        actorId: options.actorId,
        workspaceId: options.workspaceId ?? null,
        reason: options.reason,
      })
    }
    return storage.run({ workspaceId: 0, crossTenantReason: options.reason }, () =>
      settleInside(callback())
    ) as Promise<T>
  },

  /**
   * Registered once at boot by the audit service (kept as a hook so this
   * module has no dependency on models).
   */
  onCrossTenant(callback: CrossTenantAudit) {
    auditCrossing = callback
  },
}
