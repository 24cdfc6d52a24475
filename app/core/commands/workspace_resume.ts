import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace workspace:resume <slug>`: lifts a suspension (back to `trial`
 * while the trial runs, `active` otherwise). Audited (`workspace.resumed`).
 */
export default class WorkspaceResume extends BaseCommand {
  static commandName = 'workspace:resume'
  static description = 'Resume a suspended workspace'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Workspace slug' })
  declare slug: string

  async run() {
    const { default: Workspace } = await import('#core/models/workspace')
    const workspace = await Workspace.findBy('slug', this.slug.trim())
    if (!workspace) {
      this.logger.error(`No workspace with the slug "${this.slug}"`)
      this.exitCode = 1
      return
    }

    if (!workspace.isSuspended) {
      this.logger.info(
        `Workspace "${workspace.slug}" is not suspended (status: ${workspace.status})`
      )
      return
    }

    const { resumeWorkspace } = await import('#core/actions/suspend_workspace')
    await resumeWorkspace(workspace, null)
    this.logger.success(`Resumed workspace "${workspace.slug}" (status: ${workspace.status})`)
  }
}
