import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import Campaign from '#campaigns/models/campaign'
import { queue } from '#core/queue/main'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'
import { DISPATCH_JOB, dispatchJobKey } from '#campaigns/jobs/dispatch_campaign'
import {
  campaignProgress,
  pushListChanged,
  pushProgress,
  setWaiting,
  type CampaignProgress,
} from '#campaigns/dispatch/progress'

export { campaignProgress, type CampaignProgress }

/**
 * Starts (or nudges) the dispatcher of a `running` campaign. Runs in the
 * campaign's tenant context. Idempotent: the dispatch job carries a
 * uniqueKey, so calling it twice queues one job. Sets `started_at` the
 * first time.
 */
export async function startCampaignDispatch(campaignId: number): Promise<void> {
  const campaign = await Campaign.findOrFail(campaignId)
  if (campaign.status !== 'running') return
  if (!campaign.startedAt) {
    await db
      .from('campaigns')
      .where('id', campaign.id)
      .whereNull('started_at')
      .update({ started_at: sqlDateTime(DateTime.utc()) })
  }
  await queue().dispatch(
    DISPATCH_JOB,
    { campaignId: campaign.id },
    {
      workspaceId: tenancy.workspaceId(),
      uniqueKey: dispatchJobKey(campaign.id),
      queue: 'outbound',
      attempts: 10,
      backoffMs: 5_000,
    }
  )
  pushProgress(campaign.id)
}

async function moveStatus(campaign: Campaign, from: string[], to: string): Promise<boolean> {
  const updated = await db
    .from('campaigns')
    .where('id', campaign.id)
    .whereIn('status', from)
    .update({ status: to, updated_at: sqlDateTime(DateTime.utc()) })
  if (!Number(updated)) return false
  await campaign.refresh()
  await pushListChanged(campaign)
  pushProgress(campaign.id, true)
  return true
}

/**
 * running → paused. The dispatcher stops within about a second (it reads
 * the status between batches; sends already at their slot finish);
 * pending recipients stay pending.
 */
export async function pauseCampaign(campaign: Campaign): Promise<void> {
  await moveStatus(campaign, ['running'], 'paused')
}

/** paused → running and the dispatcher restarts; the pause reason is cleared. */
export async function resumeCampaign(campaign: Campaign): Promise<void> {
  if (!(await moveStatus(campaign, ['paused'], 'running'))) return
  await db.from('campaigns').where('id', campaign.id).update({ failure_reason: null })
  await setWaiting(campaign.id, null)
  await startCampaignDispatch(campaign.id)
}

/**
 * Pending recipients → cancelled (with the reason), campaign → cancelled.
 * Counts of what was already sent are kept; recipients being sent at this
 * moment finish (their status webhooks still count).
 */
export async function cancelCampaign(campaign: Campaign): Promise<void> {
  const moved = await moveStatus(
    campaign,
    ['draft', 'awaiting_approval', 'scheduled', 'preparing', 'running', 'paused'],
    'cancelled'
  )
  if (!moved) return
  await db
    .from('campaign_recipients')
    .where('workspace_id', campaign.workspaceId)
    .where('campaign_id', campaign.id)
    .where('status', 'pending')
    .update({ status: 'cancelled', error_reason: 'Campaign cancelled', claim: null })
  await setWaiting(campaign.id, null)
  pushProgress(campaign.id, true)
}
