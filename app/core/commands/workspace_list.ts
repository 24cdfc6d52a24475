import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

const STATUSES = ['active', 'trial', 'suspended'] as const

/**
 * `node ace workspace:list [--status=active|trial|suspended] [--json]`
 */
export default class WorkspaceList extends BaseCommand {
  static commandName = 'workspace:list'
  static description = 'List workspaces with their status, plan and member count'
  static options: CommandOptions = { startApp: true }

  @flags.string({ description: `Only workspaces with this status: ${STATUSES.join(', ')}` })
  declare status?: string

  @flags.boolean({ description: 'Print JSON instead of a table' })
  declare json?: boolean

  async run() {
    if (this.status !== undefined && !STATUSES.includes(this.status as (typeof STATUSES)[number])) {
      this.logger.error(`Unknown --status "${this.status}"; use one of: ${STATUSES.join(', ')}`)
      this.exitCode = 1
      return
    }

    const { default: Workspace } = await import('#core/models/workspace')
    const { default: db } = await import('@adonisjs/lucid/services/db')

    const query = Workspace.query().preload('plan').orderBy('id')
    if (this.status) query.where('status', this.status)
    const workspaces = await query

    // A count per workspace is platform metadata, read the same way as the
    // admin panel's list (no tenant rows are read).
    const counts = new Map<number, number>()
    if (workspaces.length) {
      const rows = await db
        .from('memberships')
        .select('workspace_id')
        .count('* as total')
        .groupBy('workspace_id')
      for (const row of rows) counts.set(Number(row.workspace_id), Number(row.total))
    }

    const list = workspaces.map((workspace) => ({
      slug: workspace.slug,
      name: workspace.name,
      status: workspace.status,
      plan: workspace.plan.slug,
      members: counts.get(workspace.id) ?? 0,
      createdAt: workspace.createdAt.toISO(),
    }))

    if (this.json) {
      this.logger.log(JSON.stringify(list, null, 2))
      return
    }
    if (!list.length) {
      this.logger.info(this.status ? `No ${this.status} workspaces` : 'No workspaces yet')
      return
    }
    const table = this.ui.table().head(['Slug', 'Name', 'Status', 'Plan', 'Members', 'Created'])
    for (const workspace of workspaces) {
      table.row([
        workspace.slug,
        workspace.name,
        workspace.status,
        workspace.plan.name,
        String(counts.get(workspace.id) ?? 0),
        workspace.createdAt.toFormat('yyyy-LL-dd HH:mm'),
      ])
    }
    table.render()
  }
}
