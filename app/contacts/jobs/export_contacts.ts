import type { JobHandler } from '#core/queue/types'
import { runExport } from '#contacts/services/export_runner'

/**
 * The `contacts.export` job: writes one export (CSV of an audience, one
 * contact's data, the whole workspace) inside the export's workspace.
 */
export const exportContactsJob: JobHandler<{ exportId: number }> = async (payload) => {
  await runExport(Number(payload.exportId))
}
