import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import Channel from '#channels/models/channel'
import Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'
import { queue } from '#core/queue/main'
import { broadcast } from '#core/realtime'
import Campaign from '#campaigns/models/campaign'
import { TemplateNotApprovedException, approvedTemplateById } from '#templates/services/guard'
import { startCampaignDispatch } from '#campaigns/dispatch/control'
import { classifiedAudience, type AudienceContact } from '#campaigns/services/audience'
import { Allocator, shuffleByHash } from '#campaigns/services/allocation'
import { categoryOf, variantsOf } from '#campaigns/services/content'
import { localDueAt } from '#campaigns/services/recurrence'
import { campaignSettings } from '#campaigns/services/settings'
import { notifyCampaign } from '#campaigns/services/notify'
import { insertIgnoring } from '#campaigns/services/bulk_insert'

/**
 * Freezes a campaign's audience into `campaign_recipients` and hands it to
 * the dispatcher (issue 7 §2):
 *
 * 1. checks that it can start (channel connected, every template still
 *    approved) — otherwise the campaign fails with the reason and its
 *    creator is notified;
 * 2. streams the classified audience in pages of 1,000 and writes each
 *    page in one multi-row INSERT (ignoring a row that already exists, so
 *    a retried job adds nothing twice): skipped contacts with their
 *    reason, the others with their A/B arm (or in the `rest` phase, with
 *    no arm, while a test phase runs) and, for local-time sends, their
 *    own `due_at`;
 * 3. sets the counters, `running`, `started_at`, and starts the dispatch.
 */

export const PREPARE_JOB = 'campaigns.prepare'
export const PICK_WINNER_JOB = 'campaigns.pick_winner'

export type FailureCode =
  | 'E_CHANNEL_MISSING'
  | 'E_CHANNEL_DISCONNECTED'
  | 'E_NO_CONTENT'
  | 'E_TEMPLATE_NOT_APPROVED'
  | 'E_TEMPLATE_OTHER_ACCOUNT'
  | 'E_NO_RECIPIENTS'

/** Queues the preparation (big audiences take seconds: never on the request path). */
export async function queuePreparation(campaign: Campaign) {
  await queue().dispatch(
    PREPARE_JOB,
    { campaignId: campaign.id },
    { workspaceId: campaign.workspaceId, uniqueKey: `${PREPARE_JOB}:${campaign.id}`, attempts: 3 }
  )
}

/** Marks the campaign failed to start with `code`, and tells its creator why. */
export async function failToStart(campaign: Campaign, code: FailureCode, detail = '') {
  campaign.merge({ status: 'failed', failureReason: detail ? `${code}: ${detail}` : code })
  campaign.completedAt = DateTime.utc()
  await campaign.save()
  await notifyCampaign([campaign.createdBy], 'campaigns.failed_to_start', campaign, {
    reason: code,
    detail,
  })
  await broadcast(campaign.workspaceId, `campaigns/${campaign.publicId}`, {
    status: 'failed',
    failureReason: campaign.failureReason,
  })
  await broadcast(campaign.workspaceId, 'campaigns', { campaign: campaign.publicId })
}

/** Why the campaign cannot start, or null. */
async function startBlocker(
  campaign: Campaign,
  variants: Awaited<ReturnType<typeof variantsOf>>
): Promise<{ code: FailureCode; detail?: string } | null> {
  const channel = campaign.channelId ? await Channel.find(campaign.channelId) : null
  if (!channel) return { code: 'E_CHANNEL_MISSING' }
  if (channel.status === 'disconnected')
    return { code: 'E_CHANNEL_DISCONNECTED', detail: channel.name }
  if (!variants.length) return { code: 'E_NO_CONTENT' }
  for (const { variant, template } of variants) {
    try {
      // The guard every sender uses, read fresh: Meta may have paused it since.
      await approvedTemplateById(variant.templateId, { fresh: true })
    } catch (error) {
      if (!(error instanceof TemplateNotApprovedException)) throw error
      const status = template ? ` (${template.status})` : ''
      return { code: 'E_TEMPLATE_NOT_APPROVED', detail: `${template?.name ?? ''}${status}` }
    }
    if (channel.wabaId && template && template.wabaId !== channel.wabaId) {
      return { code: 'E_TEMPLATE_OTHER_ACCOUNT', detail: template.name }
    }
  }
  return null
}

type Row = Record<string, unknown>

export async function prepareCampaign(
  campaignId: number,
  options: { now?: DateTime } = {}
): Promise<void> {
  const now = options.now ?? DateTime.utc()
  const campaign = await Campaign.find(campaignId)
  if (!campaign || campaign.status !== 'preparing') return
  const variants = await variantsOf(campaign)
  const blocker = await startBlocker(campaign, variants)
  if (blocker) return failToStart(campaign, blocker.code, blocker.detail)

  const workspace = await Workspace.findOrFail(tenancy.workspaceId())
  const settings = await campaignSettings()
  const capHours = campaign.frequencyCapHours ?? settings.frequencyCapHours
  const category = categoryOf(variants)
  const weights = variants.map(({ variant }) => variant.splitPercent)
  const armIds = variants.map(({ variant }) => variant.id)
  const arms = new Allocator(weights)
  const testShare = variants.length > 1 && campaign.testPercent ? campaign.testPercent : null
  const phases = new Allocator(testShare ? [testShare, 100 - testShare] : [100])
  const campaignZone = campaign.timezone || workspace.timezone || 'UTC'
  const localSend = campaign.localTime && campaign.sendAt

  // A retried job starts over: nothing has been dispatched yet.
  await db.from('campaign_recipients').where('campaign_id', campaign.id).delete()

  let total = 0
  let skipped = 0
  let sendable = 0
  const startedAt = Date.now()
  for await (const page of classifiedAudience(campaign, {
    category,
    capHours,
    campaignId: campaign.id,
    now,
  })) {
    const rows: Row[] = []
    const eligible: AudienceContact[] = []
    for (const contact of page) {
      if (contact.skip) {
        rows.push(
          recipientRow(campaign, contact.id, { status: 'skipped', error_reason: contact.skip })
        )
        skipped++
      } else {
        eligible.push(contact)
      }
    }
    for (const contact of shuffleByHash(eligible, campaign.id)) {
      const inTest = testShare ? phases.next() === 0 : false
      const phase = testShare ? (inTest ? 'test' : 'rest') : 'all'
      const variantId = testShare && !inTest ? null : armIds[arms.next()]
      const due = localSend
        ? localDueAt(campaign.sendAt!, campaignZone, contact.timezone, workspace.timezone, now)
        : null
      rows.push(
        recipientRow(campaign, contact.id, {
          variant_id: variantId,
          phase,
          due_at: due ? sqlDateTime(due) : null,
        })
      )
      sendable++
    }
    total += rows.length
    await insertIgnoring('campaign_recipients', rows, ['campaign_id', 'contact_id'])
    await broadcast(campaign.workspaceId, `campaigns/${campaign.publicId}`, {
      status: 'preparing',
      prepared: total,
    })
  }
  logger.info(
    { campaign: campaign.publicId, recipients: total, ms: Date.now() - startedAt },
    'campaign: audience frozen'
  )

  campaign.merge({ totalCount: total, skippedCount: skipped })
  if (!sendable) {
    await campaign.save()
    return failToStart(campaign, 'E_NO_RECIPIENTS')
  }
  campaign.merge({ status: 'running', startedAt: now, failureReason: null })
  if (testShare && campaign.winnerAfterHours) {
    campaign.winnerDueAt = now.plus({ hours: campaign.winnerAfterHours })
  }
  await campaign.save()
  if (testShare && campaign.winnerAfterHours) {
    await queue().dispatch(
      PICK_WINNER_JOB,
      { campaignId: campaign.id },
      {
        workspaceId: campaign.workspaceId,
        delayMs: campaign.winnerAfterHours * 3_600_000,
        uniqueKey: `${PICK_WINNER_JOB}:${campaign.id}`,
      }
    )
  }
  await broadcast(campaign.workspaceId, 'campaigns', { campaign: campaign.publicId })
  await startCampaignDispatch(campaign.id)
}

function recipientRow(campaign: Campaign, contactId: number, values: Row): Row {
  return {
    workspace_id: campaign.workspaceId,
    campaign_id: campaign.id,
    contact_id: contactId,
    variant_id: null,
    phase: 'all',
    status: 'pending',
    due_at: null,
    attempts: 0,
    error_reason: null,
    ...values,
  }
}
