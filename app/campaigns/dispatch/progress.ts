import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { DateTime } from 'luxon'
import { broadcast } from '#core/realtime'
import { storedIso } from '#core/helpers/sql_time'
import Notification from '#core/models/notification'
import Campaign from '#campaigns/models/campaign'
import { dispatchSettings } from '#campaigns/dispatch/settings'

/** Live figures of one campaign for the UI (and its realtime channel). */
export type CampaignProgress = {
  total: number
  /** Pending recipients (including those waiting for a tier window or an A/B winner). */
  queued: number
  sending: number
  sent: number
  delivered: number
  read: number
  replied: number
  failed: number
  skipped: number
  cancelled: number
  /** Shares of `sent` (delivered / read / replied) and of `total` (failed), 0..1. */
  rates: { delivery: number; read: number; reply: number; failure: number }
  /** Why sending is held, if it is: 'messaging_limit' | 'spam_limit' | 'api_limit' | 'circuit_open' | null. */
  waiting: string | null
  /** When held: ISO time sending resumes. */
  waitingUntil: string | null
}

const ratio = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0

/**
 * The figures from the campaign's live counters (sent, delivered, read,
 * replied, failed, skipped: kept by the dispatcher and status webhooks)
 * and one grouped count of its recipients (queued, sending, cancelled).
 */
export async function campaignProgress(campaign: Campaign): Promise<CampaignProgress> {
  const [rows, fresh] = await Promise.all([
    db
      .from('campaign_recipients')
      .where('workspace_id', campaign.workspaceId)
      .where('campaign_id', campaign.id)
      .groupBy('status')
      .select('status')
      .count('* as n'),
    db
      .from('campaigns')
      .where('id', campaign.id)
      .select(
        'total_count',
        'sent_count',
        'delivered_count',
        'read_count',
        'replied_count',
        'failed_count',
        'skipped_count',
        'waiting_reason',
        'waiting_until'
      )
      .first(),
  ])
  const by = new Map<string, number>(rows.map((row) => [String(row.status), Number(row.n)]))
  const grouped = [...by.values()].reduce((a, b) => a + b, 0)
  const num = (key: string) => Number(fresh?.[key] ?? 0)
  const sent = num('sent_count')
  const total = Math.max(num('total_count'), grouped)
  const failed = num('failed_count')
  return {
    total,
    queued: by.get('pending') ?? 0,
    sending: by.get('sending') ?? 0,
    sent,
    delivered: num('delivered_count'),
    read: num('read_count'),
    replied: num('replied_count'),
    failed,
    skipped: num('skipped_count'),
    cancelled: by.get('cancelled') ?? 0,
    rates: {
      delivery: ratio(num('delivered_count'), sent),
      read: ratio(num('read_count'), sent),
      reply: ratio(num('replied_count'), sent),
      failure: ratio(failed, total),
    },
    waiting: fresh?.waiting_reason ?? null,
    waitingUntil: storedIso(fresh?.waiting_until),
  }
}

/* ------------------------------------------------------------ realtime */

type Pending = { timer: NodeJS.Timeout | null; last: number }
const throttles = new Map<number, Pending>()

async function pushNow(campaignId: number) {
  const campaign = await Campaign.find(campaignId)
  if (!campaign) return
  const progress = await campaignProgress(campaign)
  await broadcast(campaign.workspaceId, `campaigns/${campaign.publicId}`, {
    campaign: campaign.publicId,
    status: campaign.status,
    progress,
  })
}

/**
 * Schedules a progress broadcast on `campaigns/<publicId>`: at most one
 * every `broadcastEveryMs` per campaign (trailing edge), `final` sends now.
 * Runs inside the campaign's tenant context.
 */
export function pushProgress(campaignId: number, final = false) {
  const state = throttles.get(campaignId) ?? { timer: null, last: 0 }
  throttles.set(campaignId, state)
  const run = () => {
    state.timer = null
    state.last = Date.now()
    pushNow(campaignId).catch((error) =>
      logger.warn({ err: error, campaignId }, 'campaigns: progress broadcast failed')
    )
  }
  if (final) {
    if (state.timer) clearTimeout(state.timer)
    run()
    throttles.delete(campaignId)
    return
  }
  if (state.timer) return
  const wait = Math.max(0, state.last + dispatchSettings.broadcastEveryMs - Date.now())
  state.timer = setTimeout(run, wait)
  state.timer.unref?.()
}

/** The workspace's campaign list changed (a status). */
export async function pushListChanged(campaign: Campaign) {
  try {
    await broadcast(campaign.workspaceId, 'campaigns', {
      campaign: campaign.publicId,
      status: campaign.status,
    })
  } catch (error) {
    logger.warn({ err: error }, 'campaigns: list broadcast failed')
  }
}

/* ------------------------------------------------------------ counters */

export type CounterDelta = Partial<
  Record<'sent' | 'delivered' | 'read' | 'replied' | 'failed' | 'skipped', number>
>

/** Adds to the campaign's and the variant's counters in one UPDATE each. */
export async function bumpCounters(
  campaignId: number,
  variantId: number | null,
  delta: CounterDelta
) {
  const entries = Object.entries(delta).filter(([, n]) => n)
  if (!entries.length) return
  const set = (table: 'campaigns' | 'campaign_variants') => {
    const values: Record<string, unknown> = {}
    for (const [key, n] of entries) {
      if (table === 'campaign_variants' && key === 'skipped') continue
      const column = `${key}_count`
      values[column] = db.knexRawQuery(
        n! >= 0 ? `${column} + ?` : `CASE WHEN ${column} >= ? THEN ${column} - ? ELSE 0 END`,
        n! >= 0 ? [n!] : [-n!, -n!]
      )
    }
    return values
  }
  await db.from('campaigns').where('id', campaignId).update(set('campaigns'))
  if (variantId) {
    const values = set('campaign_variants')
    if (Object.keys(values).length) {
      await db.from('campaign_variants').where('id', variantId).update(values)
    }
  }
  pushProgress(campaignId)
}

/**
 * Sets the campaign's and its variants' counters from the recipient rows.
 * The live counters are bumped after each row update, not in the same
 * statement, so a worker killed between the two leaves them a little
 * short; the rows are the truth, and a finished campaign reports them.
 */
export async function recountCounters(campaignId: number) {
  const rows = await db
    .from('campaign_recipients')
    .where('campaign_id', campaignId)
    .groupBy('variant_id')
    .select('variant_id')
    .select(
      db.raw(
        `SUM(CASE WHEN status IN ('sent', 'delivered', 'read') THEN 1 ELSE 0 END) AS sent_count,
         SUM(CASE WHEN status IN ('delivered', 'read') THEN 1 ELSE 0 END) AS delivered_count,
         SUM(CASE WHEN status = 'read' THEN 1 ELSE 0 END) AS read_count,
         SUM(CASE WHEN replied_at IS NOT NULL THEN 1 ELSE 0 END) AS replied_count,
         SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed_count,
         SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS skipped_count`
      )
    )
  const columns = ['sent', 'delivered', 'read', 'replied', 'failed'] as const
  const total: Record<string, number> = { skipped_count: 0 }
  for (const column of columns) total[`${column}_count`] = 0
  for (const row of rows) {
    const values: Record<string, number> = {}
    for (const column of columns) {
      const n = Number(row[`${column}_count`] ?? 0)
      values[`${column}_count`] = n
      total[`${column}_count`] += n
    }
    total.skipped_count += Number(row.skipped_count ?? 0)
    if (row.variant_id) {
      await db.from('campaign_variants').where('id', row.variant_id).update(values)
    }
  }
  await db.from('campaigns').where('id', campaignId).update(total)
}

/** Sets (or clears, with null) why a running campaign is holding its sends. */
export async function setWaiting(
  campaignId: number,
  reason: string | null,
  until: DateTime | null = null
) {
  await db
    .from('campaigns')
    .where('id', campaignId)
    .update({
      waiting_reason: reason,
      waiting_until: until ? until.toUTC().toFormat('yyyy-LL-dd HH:mm:ss') : null,
    })
}

/* -------------------------------------------------------- notifications */

/** Tells the campaign's creator it completed or failed (with the reason). */
export async function notifyCreator(
  campaign: Campaign,
  type: 'campaign.completed' | 'campaign.failed' | 'campaign.paused',
  reason: string | null = null
) {
  if (!campaign.createdBy) return
  await Notification.create({
    userId: campaign.createdBy,
    type,
    data: {
      campaign: campaign.publicId,
      name: campaign.name,
      reason: reason ?? '',
      sent: campaign.sentCount,
      failed: campaign.failedCount,
    },
  })
}
