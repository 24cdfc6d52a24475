import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import WebhookEvent from '#channels/models/webhook_event'
import Channel from '#channels/models/channel'
import {
  normalizeMetaWebhook,
  type NormalizedOther,
  type NormalizedUpdate,
} from '#channels/webhooks/normalize_meta'
import { channelByPhoneNumberId } from '#channels/queries/find_webhook_channel'
import { tenancy } from '#core/tenancy/context'
import { recordInboundMessage } from '#inbox/actions/record_inbound_message'
import { applyMessageStatus } from '#inbox/actions/apply_message_status'
import { isUniqueViolation } from '#core/helpers/db_errors'
import { queue } from '#core/queue/main'

export type ProcessResult = {
  messages: number
  duplicates: number
  statuses: number
  unrouted: number
  other: number
}

async function recordUnrouted(phoneNumberId: string, display: string | null, eventId: number) {
  const now = DateTime.now().toSQL({ includeOffset: false })
  const updated = await db
    .from('unrouted_numbers')
    .where('phone_number_id', phoneNumberId)
    .update({ last_seen_at: now, last_event_id: eventId, updates: db.raw('updates + 1') })
  if (Number(updated) > 0) return
  try {
    await db.table('unrouted_numbers').insert({
      phone_number_id: phoneNumberId,
      display_phone_number: display,
      last_event_id: eventId,
      updates: 1,
      first_seen_at: now,
      last_seen_at: now,
    })
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
  }
}

/**
 * Quality and messaging-limit events update the channel they name
 * (WABA id + display number; Meta sends no phone_number_id there).
 */
async function applyOther(update: NormalizedOther): Promise<void> {
  if (update.field !== 'phone_number_quality_update' || !update.wabaId) return
  const display = String(update.value.display_phone_number ?? '').replace(/\D/g, '')
  const rows = await db
    .from('channels')
    .select('id', 'workspace_id', 'display_phone_number')
    .where('waba_id', update.wabaId)
  for (const row of rows) {
    if (String(row.display_phone_number ?? '').replace(/\D/g, '') !== display) continue
    await tenancy.run(Number(row.workspace_id), async () => {
      const channel = await Channel.findOrFail(row.id)
      const limit =
        update.value.max_daily_conversations_per_business ?? update.value.current_limit ?? null
      channel.messagingLimit = limit === null ? channel.messagingLimit : String(limit)
      await channel.save()
    })
  }
}

export async function processUpdates(
  updates: NormalizedUpdate[],
  eventId: number
): Promise<ProcessResult> {
  const result: ProcessResult = { messages: 0, duplicates: 0, statuses: 0, unrouted: 0, other: 0 }
  const channels = new Map<string, Channel | null>()
  const channelFor = async (phoneNumberId: string) => {
    if (!channels.has(phoneNumberId)) {
      channels.set(phoneNumberId, await channelByPhoneNumberId(phoneNumberId))
    }
    return channels.get(phoneNumberId)!
  }

  for (const update of updates) {
    if (update.kind === 'other') {
      result.other++
      await applyOther(update)
      continue
    }
    const channel = await channelFor(update.phoneNumberId)
    if (!channel) {
      result.unrouted++
      await recordUnrouted(
        update.phoneNumberId,
        update.kind === 'message' ? update.displayPhoneNumber : null,
        eventId
      )
      continue
    }
    await tenancy.run(channel.workspaceId, async () => {
      if (update.kind === 'message') {
        const { created, message } = await recordInboundMessage(channel, update)
        if (created) {
          result.messages++
          if (update.media) {
            await queue().dispatch(
              'media.download_inbound',
              { messageId: message.id, mediaId: update.media.id },
              { workspaceId: channel.workspaceId, uniqueKey: `media:${message.id}`, queue: 'media' }
            )
          }
        } else {
          result.duplicates++
        }
      } else {
        result.statuses++
        await applyMessageStatus(update)
      }
    })
  }
  return result
}

/**
 * The `webhooks.meta` job: normalises a stored delivery and applies every
 * update. Safe to run twice (messages are unique on their wamid, statuses
 * only move forward), which is what makes retries and replays harmless.
 */
export async function processMetaWebhook(payload: { eventId: number }) {
  const event = await WebhookEvent.find(payload.eventId)
  if (!event || event.status === 'malformed') return
  event.attempts += 1
  try {
    const updates = normalizeMetaWebhook(JSON.parse(event.rawBody))
    await processUpdates(updates, event.id)
    event.merge({
      status: 'processed',
      updates: updates.length,
      error: null,
      processedAt: DateTime.now(),
    })
    await event.save()
  } catch (error) {
    event.error = String((error as Error)?.message ?? error).slice(0, 1000)
    await event.save()
    throw error
  }
}
