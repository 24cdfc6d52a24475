import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace contacts:import <workspace> <file> [--on-existing=update|skip]
 * [--country=XX] [--tag=name…] [--json]`
 *
 * Imports a CSV or XLSX file into a workspace in this process, with the
 * same streaming code as the panel's background import (columns mapped
 * from the header names the way the mapping screen suggests them). Rows
 * it rejects are listed in the import's error report in the panel.
 */
export default class ContactsImport extends BaseCommand {
  static commandName = 'contacts:import'
  static description = 'Import contacts from a CSV or XLSX file into a workspace'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Workspace slug' })
  declare workspace: string

  @args.string({ description: 'Path of the CSV or XLSX file' })
  declare file: string

  @flags.string({
    description: 'Existing contacts (same phone): update or skip',
    default: 'update',
  })
  declare onExisting: string

  @flags.string({ description: "Country for national numbers (default: the workspace's)" })
  declare country?: string

  @flags.array({ description: 'Tag added to every imported contact (repeatable)' })
  declare tag?: string[]

  @flags.boolean({ description: 'Print the result as one line of JSON' })
  declare json?: boolean

  async run() {
    const { createReadStream, statSync, existsSync } = await import('node:fs')
    const { basename, extname } = await import('node:path')
    const { default: drive } = await import('@adonisjs/drive/services/main')
    const { default: Workspace } = await import('#core/models/workspace')
    const { default: Membership } = await import('#core/models/membership')
    const { tenancy } = await import('#core/tenancy/context')
    const { createImport, runImport } = await import('#contacts/actions/import_contacts')
    const { suggestMapping } = await import('#contacts/services/import_rows')
    const { workspaceFields } = await import('#contacts/services/custom_fields')

    if (!['update', 'skip'].includes(this.onExisting)) {
      return this.fail('--on-existing must be "update" or "skip"')
    }
    if (!existsSync(this.file)) return this.fail(`No file at ${this.file}`)
    const workspace = await Workspace.findBy('slug', this.workspace)
    if (!workspace) return this.fail(`No workspace "${this.workspace}"`)

    const summary = await tenancy.run(workspace.id, async () => {
      const owner = await Membership.query().orderBy('id').firstOrFail()
      const record = await createImport({
        userId: owner.userId,
        fileName: basename(this.file),
        extname: extname(this.file).slice(1),
        size: statSync(this.file).size,
        store: (key) => drive.use().putStream(key, createReadStream(this.file)),
      })
      const mapping = suggestMapping(record.preview?.headers ?? [], await workspaceFields())
      if (!mapping.some((target) => target.kind === 'standard' && target.field === 'phone')) {
        throw new Error(
          `No phone column among ${JSON.stringify(record.preview?.headers)}: name one "Phone"`
        )
      }
      record.merge({
        mapping,
        options: {
          defaultCountry: this.country ?? workspace.defaultCountry ?? null,
          onExisting: this.onExisting as 'update' | 'skip',
          tags: this.tag ?? [],
          consentScope: 'marketing',
        },
        status: 'queued',
      })
      await record.save()
      let last = 0
      const started = performance.now()
      await runImport(record.id, {
        afterBatch: (processed) => {
          if (!this.json && processed - last >= 100_000) {
            last = processed
            this.logger.info(`${processed} rows…`)
          }
        },
      })
      await record.refresh()
      return {
        import: record.publicId,
        status: record.status,
        rows: record.processedRows,
        created: record.createdCount,
        updated: record.updatedCount,
        skipped: record.skippedCount,
        errors: record.errorCount,
        seconds: Math.round((performance.now() - started) / 100) / 10,
      }
    })

    if (this.json) {
      this.logger.log(JSON.stringify(summary))
    } else {
      this.logger.success(
        `${summary.rows} rows in ${summary.seconds} s: ${summary.created} created, ${summary.updated} updated, ${summary.skipped} skipped, ${summary.errors} rejected (see the import ${summary.import} in the panel)`
      )
    }
    if (summary.status !== 'completed') this.exitCode = 1
  }

  private fail(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}
