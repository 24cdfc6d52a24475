import type { JobHandler } from '#core/queue/types'
import { runBulkAction } from '#contacts/services/bulk_actions'

/**
 * The `contacts.bulk` job: one bulk action (tag, untag, set a field, opt
 * out, delete) on every contact a filter matched, inside its workspace.
 */
export const bulkContactsJob: JobHandler<{ bulkActionId: number }> = async (payload) => {
  await runBulkAction(Number(payload.bulkActionId))
}
