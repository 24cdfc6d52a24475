import type { JobHandler } from '#core/queue/types'
import { runImport } from '#contacts/actions/import_contacts'

/**
 * `contacts.import`: runs (or, after a crash or a retry, resumes) one
 * import inside its workspace's tenant context (opened by the worker).
 */
export const importContactsJob: JobHandler<{ importId: number }> = async (payload) => {
  await runImport(Number(payload.importId))
}
