import { DateTime } from 'luxon'
import emitter from '@adonisjs/core/services/emitter'
import db from '@adonisjs/lucid/services/db'
import Message, { STATUS_RANK, type MessageStatus } from '#inbox/models/message'
import type { NormalizedStatus } from '#channels/webhooks/normalize_meta'
import { tenancy } from '#core/tenancy/context'
import { metaErrorMessage } from '#channels/webhooks/meta_error_text'

const TIMESTAMP_COLUMN: Partial<Record<MessageStatus, string>> = {
  sent: 'sent_at',
  delivered: 'delivered_at',
  read: 'read_at',
  failed: 'failed_at',
}

/**
 * Applies a delivery status idempotently and never backwards: the update
 * only matches rows whose current status ranks lower, so redelivered or
 * out-of-order webhooks (a late `delivered` after `read`, `read` without
 * `delivered`) change nothing they should not. `failed` only ends a
 * message that was not delivered yet.
 *
 * Returns `unknown` when no outbound message carries the wamid (yet: a
 * status can overtake the send job's write of the wamid; the caller
 * retries for a while), `unchanged` when the status changed nothing.
 */
export async function applyMessageStatus(
  item: NormalizedStatus
): Promise<'applied' | 'unchanged' | 'unknown'> {
  const newRank = STATUS_RANK[item.status]
  const lower = (Object.keys(STATUS_RANK) as MessageStatus[]).filter(
    (status) => STATUS_RANK[status] < newRank && status !== 'received'
  )
  const at = item.timestamp ? DateTime.fromSeconds(item.timestamp) : DateTime.now()
  const changes: Record<string, unknown> = {
    status: item.status,
    updated_at: DateTime.now().toSQL({ includeOffset: false }),
  }
  const column = TIMESTAMP_COLUMN[item.status]
  if (column) changes[column] = at.toSQL({ includeOffset: false })
  // `read` can arrive without `delivered` (Meta skips it when both happen at once).
  if (item.status === 'read' || item.status === 'played') {
    changes.delivered_at = db.knexRawQuery('COALESCE(delivered_at, ?)', [
      at.toSQL({ includeOffset: false }),
    ])
  }
  if (item.status === 'failed' && item.error) {
    changes.error_code = item.error.code
    changes.error_title = item.error.title?.slice(0, 255) ?? null
    changes.error_message =
      metaErrorMessage(item.error.code, item.error.message)?.slice(0, 1000) ?? null
  }

  const message = await Message.query()
    .where('provider_message_id', item.providerMessageId)
    .where('direction', 'out')
    .select('id', 'conversation_id')
    .first()
  if (!message) return 'unknown'

  // A plain query (explicitly scoped): the model query builder would not
  // pass the COALESCE expression through.
  const updated = await db
    .from('messages')
    .where('workspace_id', tenancy.workspaceId())
    .where('id', message.id)
    .whereIn('status', lower)
    .update(changes)
  const count = Number(Array.isArray(updated) ? updated[0] : updated)
  if (count > 0) {
    await emitter.emit('inbox:message_status', {
      workspaceId: tenancy.workspaceId(),
      conversationId: message.conversationId,
      messageId: message.id,
      status: item.status,
    })
  }
  return count > 0 ? 'applied' : 'unchanged'
}
