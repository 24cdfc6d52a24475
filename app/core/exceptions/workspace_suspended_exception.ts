import { Exception } from '@adonisjs/core/exceptions'
import type Workspace from '#core/models/workspace'

/**
 * The workspace is suspended by the platform: members see why, and nothing else.
 */
export class WorkspaceSuspendedException extends Exception {
  static status = 423
  static code = 'E_WORKSPACE_SUSPENDED'

  constructor(public workspace: Workspace) {
    super(`Workspace ${workspace.slug} is suspended`)
  }
}
