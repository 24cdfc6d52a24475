import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import type { NormalizedStatus } from '#channels/webhooks/normalize_meta'
import Campaign from '#campaigns/models/campaign'
import Channel from '#channels/models/channel'
import { tenancy } from '#core/tenancy/context'
import { fromStored, sqlDateTime } from '#core/helpers/sql_time'
import { bumpCounters } from '#campaigns/dispatch/progress'
import { applyRecipientError } from '#campaigns/dispatch/outcomes'

/**
 * Status webhooks of campaign sends (reference §1.6): each send carried
 * `biz_opaque_callback_data = cr:<recipient id>`, so the webhook names its
 * recipient even when the worker died before storing the wamid; without
 * it the wamid is looked up.
 *
 * Statuses only move forward (sending → sent → delivered → read); every
 * transition is one guarded UPDATE (`WHERE status = <the one read>`), so a
 * redelivered or concurrent webhook counts once. Out of order: a `read`
 * without `delivered` counts delivered too; a late `delivered` after
 * `read` changes nothing. A status for a row still `sending` (or put back
 * to pending) is proof Meta accepted the message: it becomes sent and is
 * never sent again. `failed` with errors[] goes through the same handling
 * as a refused send (outcomes.ts).
 */

const RANK: Record<string, number> = { pending: 0, sending: 1, sent: 2, delivered: 3, read: 4 }
const CALLBACK = /^cr:(\d+)$/

export function campaignRecipientIdOf(callbackData: string | null | undefined): number | null {
  const match = CALLBACK.exec(callbackData ?? '')
  return match ? Number(match[1]) : null
}

type Row = {
  id: number
  campaign_id: number
  contact_id: number
  variant_id: number | null
  status: string
  attempts: number
  wamid: string | null
  sent_at: unknown
}

async function readRow(workspaceId: number, id: number | null, wamid: string): Promise<Row | null> {
  const query = db
    .from('campaign_recipients')
    .where('workspace_id', workspaceId)
    .select(
      'id',
      'campaign_id',
      'contact_id',
      'variant_id',
      'status',
      'attempts',
      'wamid',
      'sent_at'
    )
  if (id !== null) query.where('id', id)
  else query.where('wamid', wamid)
  const row = await query.first()
  if (!row) return null
  return {
    ...row,
    id: Number(row.id),
    campaign_id: Number(row.campaign_id),
    contact_id: Number(row.contact_id),
    variant_id: row.variant_id === null ? null : Number(row.variant_id),
    attempts: Number(row.attempts),
  }
}

/**
 * Applies one status webhook to a campaign recipient. Returns false when
 * no recipient matches (not a campaign send). Runs in the tenant context.
 */
export async function applyCampaignStatus(
  update: NormalizedStatus & { callbackData?: string | null }
): Promise<boolean> {
  const workspaceId = tenancy.workspaceId()
  const id = campaignRecipientIdOf(update.callbackData)
  if (id === null && update.callbackData) return false
  const at = update.timestamp
    ? DateTime.fromSeconds(update.timestamp, { zone: 'utc' })
    : DateTime.utc()
  const stamp = sqlDateTime(at)

  for (let tries = 0; tries < 4; tries++) {
    const row = await readRow(workspaceId, id, update.providerMessageId)
    if (!row) return false
    const current = RANK[row.status]
    if (current === undefined) return true // failed / skipped / cancelled: final

    if (update.status === 'failed') {
      const campaign = await Campaign.find(row.campaign_id)
      const channel = campaign?.channelId ? await Channel.find(campaign.channelId) : null
      if (!campaign || !channel) return true
      const error = update.error
      await applyRecipientError(
        campaign,
        channel,
        { ...row, campaignId: row.campaign_id, token: null, fromStatus: row.status },
        {
          kind: 'meta',
          code: error?.code ?? null,
          reason: error?.message ?? error?.title ?? 'Failed (reported by WhatsApp)',
          action: 'give_up',
          retryAfterMs: null,
        }
      )
      return true
    }

    const target = RANK[update.status]
    if (target === undefined || target <= current) return true // played, or already there
    const values: Record<string, unknown> = { status: update.status, claim: null }
    if (!row.wamid) values.wamid = update.providerMessageId
    if (current < RANK.sent) values.sent_at = stamp
    if (target >= RANK.delivered && current < RANK.delivered) values.delivered_at = stamp
    if (target === RANK.read) values.read_at = stamp
    const updated = await db
      .from('campaign_recipients')
      .where('id', row.id)
      .where('status', row.status)
      .update(values)
    if (!Number(updated)) continue // moved meanwhile: read it again

    const delta = {
      sent: current < RANK.sent ? 1 : 0,
      delivered: target >= RANK.delivered && current < RANK.delivered ? 1 : 0,
      read: target === RANK.read ? 1 : 0,
    }
    await bumpCounters(row.campaign_id, row.variant_id, delta)
    if (delta.sent || delta.read) {
      const contact: Record<string, unknown> = {}
      if (delta.sent) contact.campaigns_received = db.knexRawQuery('campaigns_received + 1')
      if (delta.read) contact.campaigns_read = db.knexRawQuery('campaigns_read + 1')
      await db.from('contacts').where('id', row.contact_id).update(contact)
    }
    return true
  }
  logger.warn({ id, wamid: update.providerMessageId }, 'campaigns: status update kept losing races')
  return true
}

/**
 * Reply attribution, per batch of inbound messages: a contact whose
 * latest campaign send is within that campaign's `reply_window_hours`
 * has that recipient marked replied (once: a guarded UPDATE) and counted
 * on the campaign, the variant and the contact (`campaigns_replied`).
 * One statement finds the latest sends of every contact of the batch in
 * the last 30 days; the writes happen only for actual replies.
 */
export async function attributeReplies(event: {
  workspaceId: number
  messages: { contactId: number }[]
}) {
  const contactIds = [...new Set(event.messages.map((message) => Number(message.contactId)))]
  if (!contactIds.length) return
  try {
    await tenancy.run(event.workspaceId, async () => {
      const now = DateTime.utc()
      const rows: {
        id: number
        campaign_id: number
        variant_id: number | null
        contact_id: number
        sent_at: unknown
        replied_at: unknown
        reply_window_hours: number | null
      }[] = await db
        .from('campaign_recipients as cr')
        .join('campaigns as c', 'c.id', 'cr.campaign_id')
        .where('cr.workspace_id', event.workspaceId)
        .whereIn('cr.contact_id', contactIds)
        .whereIn('cr.status', ['sent', 'delivered', 'read'])
        .where('cr.sent_at', '>=', sqlDateTime(now.minus({ days: 30 })))
        .select(
          'cr.id',
          'cr.campaign_id',
          'cr.variant_id',
          'cr.contact_id',
          'cr.sent_at',
          'cr.replied_at',
          'c.reply_window_hours'
        )
      const latest = new Map<number, (typeof rows)[number] & { sent: DateTime }>()
      for (const row of rows) {
        const sent = fromStored(row.sent_at as string)
        if (!sent) continue
        const current = latest.get(Number(row.contact_id))
        if (!current || current.sent < sent) latest.set(Number(row.contact_id), { ...row, sent })
      }
      for (const row of latest.values()) {
        if (row.replied_at) continue
        if (row.sent.plus({ hours: Number(row.reply_window_hours ?? 72) }) < now) continue
        const updated = await db
          .from('campaign_recipients')
          .where('id', row.id)
          .whereNull('replied_at')
          .update({ replied_at: sqlDateTime(now) })
        if (!Number(updated)) continue
        await bumpCounters(
          Number(row.campaign_id),
          row.variant_id ? Number(row.variant_id) : null,
          { replied: 1 }
        )
        await db
          .from('contacts')
          .where('id', row.contact_id)
          .update({ campaigns_replied: db.knexRawQuery('campaigns_replied + 1') })
      }
    })
  } catch (error) {
    logger.error(
      { err: error, workspaceId: event.workspaceId },
      'campaigns: reply attribution failed'
    )
  }
}
