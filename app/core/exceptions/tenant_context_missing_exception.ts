import { Exception } from '@adonisjs/core/exceptions'

/**
 * A tenant-owned model was queried with no workspace context open. This
 * is a programming error: open one with `tenancy.run()` (jobs, commands)
 * or go through the workspace middleware (HTTP).
 */
export class TenantContextMissingException extends Exception {
  static status = 500
  static code = 'E_TENANT_CONTEXT_MISSING'
  static message =
    'A tenant-owned model was queried without a workspace context. Open one with tenancy.run().'
}
