import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'
import { affectedRows } from '#core/helpers/db_errors'
import { broadcast } from '#core/realtime'
import Campaign from '#campaigns/models/campaign'
import CampaignVariant from '#campaigns/models/campaign_variant'
import { queuePreparation } from '#campaigns/actions/prepare_campaign'
import { LOCAL_TIME_LEAD_HOURS, nextOccurrence } from '#campaigns/services/recurrence'

/**
 * The campaign scheduler, a recurring platform job every 15 s (so a due
 * campaign starts within a minute): it claims due `scheduled` campaigns
 * (scheduled → preparing, a guarded UPDATE: one worker wins) and spawns the
 * due occurrence of each recurring campaign as a child campaign with its
 * own report. `now` is injectable: the tests drive it with a fake clock.
 *
 * A local-time campaign starts LOCAL_TIME_LEAD_HOURS early: its recipients
 * carry their own `due_at`, and the earliest timezone reaches the chosen
 * wall-clock time up to 14 hours before UTC does.
 */
export const CAMPAIGN_SCHEDULER_JOB = 'campaigns.scheduler'
export const CAMPAIGN_SCHEDULER_EVERY_MS = 15_000
const BATCH = 100

export async function runCampaignScheduler(now: DateTime = DateTime.utc()) {
  const started = await startDueCampaigns(now)
  const spawned = await spawnOccurrences(now)
  return { started, spawned }
}

async function startDueCampaigns(now: DateTime): Promise<number> {
  const due = await db
    .from('campaigns')
    .where('status', 'scheduled')
    .where((query) => {
      query.where('send_at', '<=', sqlDateTime(now)).orWhere((local) => {
        local
          .where('local_time', true)
          .where('send_at', '<=', sqlDateTime(now.plus({ hours: LOCAL_TIME_LEAD_HOURS })))
      })
    })
    .orderBy('send_at')
    .select('id', 'workspace_id')
    .limit(BATCH)
  let started = 0
  for (const row of due) {
    const won = affectedRows(
      await db
        .from('campaigns')
        .where('id', row.id)
        .where('status', 'scheduled')
        .update({ status: 'preparing', updated_at: sqlDateTime(now) })
    )
    if (!won) continue
    started++
    await tenancy.run(Number(row.workspace_id), async () => {
      const campaign = await Campaign.findOrFail(Number(row.id))
      await queuePreparation(campaign)
      await broadcast(campaign.workspaceId, 'campaigns', { campaign: campaign.publicId })
    })
  }
  return started
}

async function spawnOccurrences(now: DateTime): Promise<number> {
  const due = await db
    .from('campaigns')
    .where('status', 'recurring')
    .where('next_run_at', '<=', sqlDateTime(now))
    .orderBy('next_run_at')
    .select('id', 'workspace_id', 'next_run_at')
    .limit(BATCH)
  let spawned = 0
  for (const row of due) {
    try {
      const done = await tenancy.run(Number(row.workspace_id), () =>
        spawnOne(Number(row.id), row.next_run_at, now)
      )
      if (done) spawned++
    } catch (error) {
      logger.error({ err: error, campaignId: row.id }, 'campaigns: occurrence not spawned')
    }
  }
  return spawned
}

/** One occurrence of a recurring parent; advances its next_run_at first (claim). */
async function spawnOne(parentId: number, storedNextRun: unknown, now: DateTime) {
  const parent = await Campaign.findOrFail(parentId)
  if (parent.status !== 'recurring' || !parent.nextRunAt || !parent.recurrence) return false
  const occurrenceAt = parent.nextRunAt
  const zone = parent.timezone || 'UTC'
  const anchor = parent.sendAt ?? occurrenceAt
  // Skip occurrences missed while no worker ran: the next one after now.
  const following = nextOccurrence(anchor, parent.recurrence, DateTime.max(occurrenceAt, now), zone)
  const won = affectedRows(
    await db
      .from('campaigns')
      .where('id', parent.id)
      .where('status', 'recurring')
      .where('next_run_at', storedNextRun as any)
      .update({
        next_run_at: following ? sqlDateTime(following) : null,
        status: following ? 'recurring' : 'completed',
        updated_at: sqlDateTime(now),
      })
  )
  if (!won) return false

  const child = await Campaign.create({
    parentId: parent.id,
    name: `${parent.name} · ${occurrenceAt.setZone(zone).toFormat('yyyy-LL-dd')}`.slice(0, 160),
    channelId: parent.channelId,
    status: 'preparing',
    audience: parent.audience,
    frequencyCapHours: parent.frequencyCapHours,
    sendAt: occurrenceAt,
    localTime: false,
    timezone: parent.timezone,
    recurrence: null,
    testPercent: parent.testPercent,
    winnerMetric: parent.winnerMetric,
    winnerAfterHours: parent.winnerAfterHours,
    replyWindowHours: parent.replyWindowHours,
    createdBy: parent.createdBy,
    approvedBy: parent.approvedBy,
    approvedAt: parent.approvedAt,
  })
  const variants = await CampaignVariant.query().where('campaign_id', parent.id)
  for (const variant of variants) {
    await CampaignVariant.create({
      campaignId: child.id,
      label: variant.label,
      templateId: variant.templateId,
      variables: variant.variables,
      splitPercent: variant.splitPercent,
    })
  }
  if (parent.audience.include.list) {
    // Explicitly scoped copy of the parent's uploaded list.
    await db.rawQuery(
      'INSERT INTO campaign_list_members (workspace_id, campaign_id, contact_id) ' +
        'SELECT workspace_id, ?, contact_id FROM campaign_list_members WHERE workspace_id = ? AND campaign_id = ?',
      [child.id, parent.workspaceId, parent.id]
    )
  }
  await queuePreparation(child)
  await broadcast(parent.workspaceId, 'campaigns', { campaign: child.publicId })
  return true
}
