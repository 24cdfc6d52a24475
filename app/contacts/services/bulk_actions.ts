import { DateTime } from 'luxon'
import { errors as vineErrors } from '@vinejs/vine'
import ContactBulkAction from '#contacts/models/contact_bulk_action'
import {
  bulkUpdateContacts,
  checkBulkInput,
  type BulkAction,
} from '#contacts/actions/bulk_update_contacts'
import { countSegment } from '#contacts/segments/compile'
import type { SegmentGroup } from '#contacts/segments/types'
import { broadcast } from '#core/realtime'
import { queue } from '#core/queue/main'
import { tenancy } from '#core/tenancy/context'

export const BULK_JOB = 'contacts.bulk'
/** Transmit path (under the workspace's channel) of bulk action progress. */
export const BULK_CHANNEL = 'contacts/bulk'
/** Progress is saved and pushed at most this often (and at each end). */
const PROGRESS_EVERY_MS = 500

/** What the contacts list shows of a bulk action. */
export function bulkActionView(row: ContactBulkAction) {
  return {
    id: row.publicId,
    action: row.action,
    tag: row.params.tagName ?? row.params.tag ?? null,
    field: row.params.fieldLabel ?? row.params.field ?? null,
    status: row.status,
    total: row.total,
    processed: row.processed,
    affected: row.affected,
    failure: row.failure,
    createdAt: row.createdAt.toISO(),
    finishedAt: row.finishedAt?.toISO() ?? null,
  }
}
export type BulkActionView = ReturnType<typeof bulkActionView>

async function push(row: ContactBulkAction) {
  await broadcast(row.workspaceId, BULK_CHANNEL, bulkActionView(row))
}

/**
 * Queues a bulk action on every contact `definition` matches (the list's
 * filters). The input is checked first, so an unknown tag or a bad value
 * is refused in the request; the matching count at this moment is the
 * progress bar's total.
 */
export async function startBulkAction(
  input: {
    action: BulkAction
    definition: SegmentGroup
    tag?: string
    field?: string
    value?: unknown
  },
  userId: number | null
) {
  const checked = await checkBulkInput(input)
  const total = await countSegment(input.definition)
  const row = await ContactBulkAction.create({
    userId,
    action: input.action,
    params: {
      definition: input.definition,
      ...(input.tag !== undefined ? { tag: input.tag } : {}),
      ...(input.field !== undefined ? { field: input.field } : {}),
      ...(input.value !== undefined ? { value: input.value } : {}),
      // Names as they were when the action started, for the progress strip.
      ...(checked.tag ? { tagName: checked.tag.name } : {}),
      ...(checked.field ? { fieldLabel: checked.field.label } : {}),
    },
    status: 'queued',
    total,
    processed: 0,
    affected: 0,
  })
  await queue().dispatch(
    BULK_JOB,
    { bulkActionId: row.id },
    { workspaceId: tenancy.workspaceId(), attempts: 3 }
  )
  await push(row)
  return row
}

/**
 * Runs one queued bulk action in its workspace. Every action is safe to
 * run again after a worker dies mid-way: tags are never duplicated, a
 * field already holding the value is left alone, deleted contacts no
 * longer match, contacts already opted out get no second opt-out. A refused input (a tag deleted since) fails
 * the action with the reason; any other error fails it and is rethrown
 * so the queue retries.
 */
export async function runBulkAction(bulkActionId: number) {
  const row = await ContactBulkAction.findOrFail(bulkActionId)
  if (row.status === 'completed') return row
  row.merge({ status: 'running', processed: 0, affected: 0, failure: null })
  await row.save()
  await push(row)

  let lastSaved = Date.now()
  const progress = async (processed: number, affected: number) => {
    row.merge({ processed, affected })
    if (Date.now() - lastSaved < PROGRESS_EVERY_MS) return
    lastSaved = Date.now()
    await row.save()
    await push(row)
  }

  try {
    const result = await bulkUpdateContacts(
      {
        action: row.action,
        target: { definition: row.params.definition },
        tag: row.params.tag,
        field: row.params.field,
        value: row.params.value,
      },
      row.userId,
      progress
    )
    row.merge({
      status: 'completed',
      affected: result.affected,
      processed: Math.max(row.processed, row.total ?? 0),
      finishedAt: DateTime.utc(),
    })
    await row.save()
    await push(row)
    return row
  } catch (error) {
    const refused = error instanceof vineErrors.E_VALIDATION_ERROR
    const messages = refused
      ? ((error as { messages?: { message: string }[] }).messages ?? []).map((m) => m.message)
      : [String((error as Error)?.message ?? error)]
    row.merge({
      status: 'failed',
      failure: messages.join(' ').slice(0, 500),
      finishedAt: DateTime.utc(),
    })
    await row.save()
    await push(row)
    if (!refused) throw error
    return row
  }
}

/** The workspace's bulk actions still running, or finished in the last hour (newest first). */
export async function recentBulkActions(limit = 3) {
  const since = DateTime.utc().minus({ hours: 1 })
  const rows = await ContactBulkAction.query()
    .where((query) => {
      query
        .whereIn('status', ['queued', 'running'])
        .orWhere('finished_at', '>=', since.toFormat('yyyy-LL-dd HH:mm:ss'))
    })
    .orderBy('id', 'desc')
    .limit(limit)
  return rows.map(bulkActionView)
}
