import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import Channel from '#channels/models/channel'
import type { NormalizedOther, NormalizedUpdate } from '#channels/webhooks/normalize_meta'
import { channelByPhoneNumberId } from '#channels/queries/find_webhook_channel'
import { tenancy } from '#core/tenancy/context'
import { recordInboundMessage } from '#inbox/actions/record_inbound_message'
import { recordInboundBatch, type InboundItem } from '#inbox/actions/record_inbound_batch'
import { applyMessageStatus } from '#inbox/actions/apply_message_status'
import { isTransientLockError, isUniqueViolation } from '#core/helpers/db_errors'
import { queue } from '#core/queue/main'
import { applyUserPreferences } from '#contacts/actions/apply_user_preferences'
import {
  applyTemplateWebhook,
  templateWebhookKind,
} from '#templates/actions/apply_template_webhook'
import { applyCampaignStatus, campaignRecipientIdOf } from '#campaigns/dispatch/status'

export type ProcessResult = {
  messages: number
  duplicates: number
  statuses: number
  /** Statuses naming a wamid Parley has not stored (yet). */
  unknownStatuses: number
  unrouted: number
  other: number
}

const emptyResult = (): ProcessResult => ({
  messages: 0,
  duplicates: 0,
  statuses: 0,
  unknownStatuses: 0,
  unrouted: 0,
  other: 0,
})

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

/** Digits only: Meta writes display numbers with and without spaces and "+". */
const digits = (value: unknown) => String(value ?? '').replace(/\D/g, '')

/**
 * The channels an account-level event is about: every channel of the
 * WABA, or only the one whose display number matches when the event
 * names one (Meta sends no phone_number_id there).
 */
async function channelsOfWaba(wabaId: string, display: string | null) {
  const rows = await db
    .from('channels')
    .select('id', 'workspace_id', 'display_phone_number')
    .where('waba_id', wabaId)
  return rows.filter((row) => !display || digits(row.display_phone_number) === display)
}

async function eachChannel(
  rows: { id: number; workspace_id: number }[],
  change: (channel: Channel) => void | Promise<void>
) {
  for (const row of rows) {
    await tenancy.run(Number(row.workspace_id), async () => {
      const channel = await Channel.findOrFail(row.id)
      await change(channel)
      await channel.save()
      // The driver's health check reads quality and status from Graph,
      // records the change and tells the workspace admins (channel_health.ts).
      // Half a minute later: Graph can lag behind the event that announced it.
      await queue().dispatch(
        'channels.health_check',
        { channelId: channel.id },
        {
          workspaceId: channel.workspaceId,
          delayMs: 30_000,
          uniqueKey: `health:${channel.id}`,
          attempts: 2,
        }
      )
    })
  }
}

/**
 * Account-level events (reference §1.9–1.10):
 * - `phone_number_quality_update`: the number's messaging limit
 *   (`max_daily_conversations_per_business`, else the legacy
 *   `current_limit`), then a health check for its quality rating;
 * - `business_capability_update`: the limit of every number of the WABA;
 * - `account_update` DISABLED_UPDATE / ACCOUNT_VIOLATION and
 *   `account_alerts`: the reason is kept as the channels' last error and
 *   a health check records the resulting state and alerts the admins.
 * Template events go to the templates module (applyTemplateWebhook).
 */
async function applyOther(update: NormalizedOther): Promise<void> {
  if (update.field === 'user_preferences') return applyPreferences(update)
  if (!update.wabaId) return
  // Template lifecycle (reference §1.8): status, quality, category updates.
  if (templateWebhookKind(update)) {
    await applyTemplateWebhook(update)
    return
  }
  const value = update.value as Record<string, any>
  const limitOf = () => {
    const limit = value.max_daily_conversations_per_business ?? value.current_limit ?? null
    return limit === null || limit === undefined ? null : String(limit)
  }

  switch (update.field) {
    case 'phone_number_quality_update': {
      const rows = await channelsOfWaba(update.wabaId, digits(value.display_phone_number))
      return eachChannel(rows, (channel) => {
        channel.messagingLimit = limitOf() ?? channel.messagingLimit
      })
    }
    case 'business_capability_update': {
      const limit = limitOf() ?? value.max_daily_conversation_per_phone ?? null
      if (limit === null) return
      const rows = await channelsOfWaba(update.wabaId, null)
      return eachChannel(rows, (channel) => {
        channel.messagingLimit = String(limit) === '-1' ? 'TIER_UNLIMITED' : String(limit)
      })
    }
    case 'account_update': {
      const event = String(value.event ?? '')
      let reason: string | null = null
      if (event === 'DISABLED_UPDATE') {
        const state = String(value.ban_info?.waba_ban_state ?? '')
        if (!state) return
        const date = value.ban_info?.waba_ban_date ? ` (${value.ban_info.waba_ban_date})` : ''
        reason =
          state === 'REINSTATE'
            ? null
            : `Meta ${state === 'DISABLE' ? 'disabled' : 'scheduled to disable'} this WhatsApp Business Account${date}`
      } else if (event === 'ACCOUNT_VIOLATION') {
        reason = `Meta reported a policy violation: ${String(value.violation_info?.violation_type ?? 'unspecified')}`
      } else {
        return
      }
      const rows = await channelsOfWaba(update.wabaId, null)
      return eachChannel(rows, (channel) => {
        channel.lastError = reason
      })
    }
    case 'account_alerts': {
      const info = value.alert_info ?? {}
      if (String(info.alert_severity ?? '') !== 'CRITICAL') return
      const rows = await channelsOfWaba(update.wabaId, null)
      return eachChannel(rows, (channel) => {
        channel.lastError =
          `${String(info.alert_type ?? 'Alert')}: ${String(info.alert_description ?? '')}`.slice(
            0,
            1000
          )
      })
    }
  }
}

/**
 * `user_preferences` (reference §1.11): routed by the number it names to
 * that channel's workspace, where the consent registry records it.
 */
async function applyPreferences(update: NormalizedOther): Promise<void> {
  if (!update.phoneNumberId) return
  const channel = await channelByPhoneNumberId(update.phoneNumberId)
  if (!channel) return
  const preferences = (update.value as { user_preferences?: unknown }).user_preferences
  if (!Array.isArray(preferences)) return
  await tenancy.run(channel.workspaceId, () => applyUserPreferences(preferences))
}

function channelCache() {
  const channels = new Map<string, Channel | null>()
  return async (phoneNumberId: string) => {
    if (!channels.has(phoneNumberId)) {
      channels.set(phoneNumberId, await channelByPhoneNumberId(phoneNumberId))
    }
    return channels.get(phoneNumberId)!
  }
}

async function queueMediaDownload(workspaceId: number, messageId: number, mediaId: string) {
  await queue().dispatch(
    'media.download_inbound',
    { messageId, mediaId },
    { workspaceId, uniqueKey: `media:${messageId}`, queue: 'media' }
  )
}

/**
 * The one-update-at-a-time path: every update in its own short
 * transaction. Used for a single delivery and as the fallback when a
 * batch fails (a concurrent worker inserting the same contact, say).
 */
export async function processUpdates(
  updates: NormalizedUpdate[],
  eventId: number
): Promise<ProcessResult> {
  const result = emptyResult()
  const channelFor = channelCache()

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
            await queueMediaDownload(channel.workspaceId, message.id, update.media.id)
          }
        } else {
          result.duplicates++
        }
      } else {
        result.statuses++
        // Campaign sends (callback data `cr:<recipient id>`) have no inbox message.
        if (campaignRecipientIdOf(update.callbackData) !== null) {
          if (!(await applyCampaignStatus(update))) result.unknownStatuses++
        } else if ((await applyMessageStatus(update)) === 'unknown') {
          if (!(await applyCampaignStatus(update))) result.unknownStatuses++
        }
      }
    })
  }
  return result
}

/**
 * Retries a batch that lost a race: a deadlock, or a duplicate because
 * another worker stored the same redelivered message a moment earlier
 * (the retry then sees it as stored).
 */
async function withRetries<T>(operation: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      const transient = isTransientLockError(error) || isUniqueViolation(error)
      if (!transient || attempt >= tries) throw error
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20))
    }
  }
}

export type EventUpdates = { eventId: number; updates: NormalizedUpdate[] }

/**
 * The fast path for many deliveries at once (one batch of the webhook
 * ingestor): inbound messages of every delivery are grouped by workspace
 * and stored with one transaction per workspace (`recordInboundBatch`);
 * statuses and other updates are applied one by one (each is a single
 * guarded UPDATE). When a workspace's batch fails, its messages go through
 * the one-message path instead, so one bad row or a race with another
 * worker never blocks the rest. Returns a result per delivery.
 */
export async function processUpdateBatch(
  events: EventUpdates[]
): Promise<Map<number, ProcessResult>> {
  const results = new Map(events.map(({ eventId }) => [eventId, emptyResult()]))
  const channelFor = channelCache()
  const inbound = new Map<number, InboundItem[]>()
  const eventOf = new Map<NormalizedUpdate, number>()
  const rest: EventUpdates[] = []

  for (const { eventId, updates } of events) {
    const others: NormalizedUpdate[] = []
    for (const update of updates) {
      const channel = update.kind === 'message' ? await channelFor(update.phoneNumberId) : null
      if (update.kind !== 'message' || !channel) {
        others.push(update)
        continue
      }
      eventOf.set(update, eventId)
      const list = inbound.get(channel.workspaceId) ?? []
      list.push({ channel, item: update })
      inbound.set(channel.workspaceId, list)
    }
    if (others.length) rest.push({ eventId, updates: others })
  }

  for (const [workspaceId, items] of inbound) {
    try {
      const recorded = await tenancy.run(workspaceId, async () => {
        const batch = await withRetries(() => recordInboundBatch(items))
        for (const row of batch.created) {
          if (row.item.media)
            await queueMediaDownload(workspaceId, row.messageId, row.item.media.id)
        }
        return batch
      })
      const created = new Set(recorded.created.map((row) => row.item))
      for (const { item } of items) {
        const result = results.get(eventOf.get(item)!)!
        if (created.has(item)) result.messages++
        else result.duplicates++
      }
    } catch (error) {
      logger.warn(
        { err: error, workspaceId, messages: items.length },
        'webhooks: batch insert failed, storing these messages one by one'
      )
      for (const { item } of items) {
        const eventId = eventOf.get(item)!
        const single = await processUpdates([item], eventId)
        const result = results.get(eventId)!
        result.messages += single.messages
        result.duplicates += single.duplicates
      }
    }
  }

  for (const { eventId, updates } of rest) {
    const other = await processUpdates(updates, eventId)
    const result = results.get(eventId)!
    result.statuses += other.statuses
    result.unknownStatuses += other.unknownStatuses
    result.unrouted += other.unrouted
    result.other += other.other
  }
  return results
}
