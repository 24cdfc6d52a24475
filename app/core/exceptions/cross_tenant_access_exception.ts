import { Exception } from '@adonisjs/core/exceptions'

/**
 * Somebody asked for a record (or a workspace) that exists but belongs to
 * another workspace. Answers 404, exactly like a missing record, and the
 * exception handler writes `security.cross_tenant_denied` to the audit log.
 */
export class CrossTenantAccessException extends Exception {
  static status = 404
  static code = 'E_CROSS_TENANT_DENIED'
  static message = 'Not found'

  constructor(
    public target: { type: string; id: string | number },
    public ownerWorkspaceId: number | null
  ) {
    super()
  }
}
