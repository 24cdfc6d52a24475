import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace contacts:export <workspace> [--segment=<public id>] [--json]`
 *
 * Exports a workspace's contacts (all, or one saved segment's members) to
 * CSV in this process, with the same code as the panel's background
 * export; the file is listed on the panel's exports page with its signed,
 * expiring link, and the export is audited like one made there.
 */
export default class ContactsExport extends BaseCommand {
  static commandName = 'contacts:export'
  static description = "Export a workspace's contacts (or a segment) to CSV"
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Workspace slug' })
  declare workspace: string

  @flags.string({ description: 'Public id of a saved segment (default: every contact)' })
  declare segment?: string

  @flags.boolean({ description: 'Print the result as one line of JSON' })
  declare json?: boolean

  async run() {
    const { default: Workspace } = await import('#core/models/workspace')
    const { default: Membership } = await import('#core/models/membership')
    const { tenancy } = await import('#core/tenancy/context')
    const { requestCsvExport } = await import('#contacts/actions/export_contacts')
    const { runExport } = await import('#contacts/services/export_runner')

    const workspace = await Workspace.findBy('slug', this.workspace)
    if (!workspace) {
      this.logger.error(`No workspace "${this.workspace}"`)
      this.exitCode = 1
      return
    }
    const started = performance.now()
    const result = await tenancy.run(workspace.id, async () => {
      const owner = await Membership.query().orderBy('id').firstOrFail()
      const requested = await requestCsvExport({
        segment: this.segment ?? null,
        userId: owner.userId,
      })
      return runExport(requested.id)
    })
    const summary = {
      export: result.publicId,
      status: result.status,
      rows: result.processedRows,
      bytes: result.fileSize,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      failure: result.failure,
    }
    if (this.json) this.logger.log(JSON.stringify(summary))
    else if (result.status === 'completed') {
      this.logger.success(
        `${summary.rows} contacts exported in ${summary.seconds} s (${summary.bytes} bytes); download it from the exports page`
      )
    } else this.logger.error(`Export failed: ${result.failure}`)
    if (result.status !== 'completed') this.exitCode = 1
  }
}
