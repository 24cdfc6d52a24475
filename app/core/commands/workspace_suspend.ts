import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace workspace:suspend <slug> --reason="..."`: members lose access
 * until `workspace:resume`. Audited (`workspace.suspended`, no actor).
 */
export default class WorkspaceSuspend extends BaseCommand {
  static commandName = 'workspace:suspend'
  static description = 'Suspend a workspace (its members lose access until it is resumed)'
  static help = ['node ace workspace:suspend acme --reason="Unpaid invoice"']
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Workspace slug' })
  declare slug: string

  @flags.string({ description: 'Why (3-255 characters; written to the audit log)' })
  declare reason?: string

  async run() {
    const reason = this.reason?.trim() ?? ''
    if (!reason) return this.fail('--reason is required, e.g. --reason="Unpaid invoice"')
    if (reason.length < 3 || reason.length > 255) {
      return this.fail('--reason must be 3 to 255 characters long')
    }

    const { default: Workspace } = await import('#core/models/workspace')
    const workspace = await Workspace.findBy('slug', this.slug.trim())
    if (!workspace) return this.fail(`No workspace with the slug "${this.slug}"`)

    if (workspace.isSuspended) {
      this.logger.info(
        `Workspace "${workspace.slug}" is already suspended (reason: ${workspace.suspensionReason ?? 'none'})`
      )
      return
    }

    const { suspendWorkspace } = await import('#core/actions/suspend_workspace')
    await suspendWorkspace(workspace, reason, null)
    this.logger.success(`Suspended workspace "${workspace.slug}"`)
  }

  private fail(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}
