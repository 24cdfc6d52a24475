import { DateTime } from 'luxon'
import type { MemberActor } from '#core/authorization'
import Channel from '#channels/models/channel'
import { audit } from '#core/services/audit'
import { broadcast } from '#core/realtime'
import Campaign from '#campaigns/models/campaign'
import { cancelCampaign as cancelDispatch } from '#campaigns/dispatch/control'
import { campaignFieldErrors, CampaignStateException } from '#campaigns/exceptions'
import { unmappedVariables, variantsOf } from '#campaigns/services/content'
import { nextOccurrence } from '#campaigns/services/recurrence'
import { campaignSettings } from '#campaigns/services/settings'
import { approverIds, notifyCampaign } from '#campaigns/services/notify'
import { queuePreparation } from '#campaigns/actions/prepare_campaign'
import { MAX_SCHEDULE_DAYS } from '#campaigns/actions/save_campaign'

/**
 * The way from a draft to sending (issue 7 §2): "Send" checks that the
 * campaign is complete; when the workspace requires approval and the
 * sender may not approve (`campaigns.approve`) it waits for one who may;
 * otherwise it launches: scheduled, recurring, or prepared now.
 */

/** Approvers hold `campaigns.approve` (Owner, Admin, Manager by default). */
export function isApprover(actor: MemberActor) {
  return actor.can('campaigns.approve')
}

/** Inline errors for whatever keeps the campaign from being sent. */
export async function assertReady(campaign: Campaign, now = DateTime.utc()) {
  const errors: { field: string; key: string; params?: object }[] = []
  if (!campaign.channelId) errors.push({ field: 'channel', key: 'channel_required' })
  const include = campaign.audience.include
  if (!include.allContacts && !include.list && !include.segments.length && !include.tags.length) {
    errors.push({ field: 'audience', key: 'audience_required' })
  }
  const variants = await variantsOf(campaign)
  const channel = campaign.channelId ? await Channel.find(campaign.channelId) : null
  if (!variants.length) errors.push({ field: 'variants', key: 'template_required' })
  variants.forEach((entry, index) => {
    if (entry.template?.status !== 'APPROVED') {
      errors.push({
        field: `variants.${index}.template`,
        key: 'template_not_approved',
        params: { name: entry.template?.name ?? '' },
      })
    }
    if (channel?.wabaId && entry.template && entry.template.wabaId !== channel.wabaId) {
      errors.push({
        field: `variants.${index}.template`,
        key: 'template_other_account',
        params: { name: entry.template.name },
      })
    }
    const unmapped = unmappedVariables(entry)
    if (unmapped.length) {
      errors.push({
        field: `variants.${index}.variables`,
        key: 'variables_unmapped',
        params: { keys: unmapped.join(', ') },
      })
    }
  })
  if (variants.length > 1) {
    const sum = variants.reduce((total, entry) => total + entry.variant.splitPercent, 0)
    if (sum !== 100) errors.push({ field: 'variants', key: 'split_sum', params: { sum } })
  }
  if (campaign.sendAt && !campaign.recurrence) {
    if (campaign.sendAt < now.minus({ minutes: 1 })) {
      errors.push({ field: 'schedule.sendAt', key: 'send_at_past' })
    } else if (campaign.sendAt > now.plus({ days: MAX_SCHEDULE_DAYS })) {
      errors.push({
        field: 'schedule.sendAt',
        key: 'send_at_too_far',
        params: { days: MAX_SCHEDULE_DAYS },
      })
    }
  }
  if (errors.length) campaignFieldErrors(errors)
}

/** Puts an approved (or approval-free) campaign on its way. */
export async function launchCampaign(campaign: Campaign, now = DateTime.utc()) {
  if (campaign.recurrence) {
    const anchor = campaign.sendAt ?? now
    if (!campaign.sendAt) campaign.sendAt = anchor
    const zone = campaign.timezone || 'UTC'
    const next = nextOccurrence(anchor, campaign.recurrence, now.minus({ minutes: 1 }), zone, true)
    campaign.merge({ status: next ? 'recurring' : 'completed', nextRunAt: next })
    await campaign.save()
  } else if (campaign.sendAt && campaign.sendAt > now) {
    campaign.status = 'scheduled'
    await campaign.save()
  } else {
    campaign.status = 'preparing'
    await campaign.save()
    await queuePreparation(campaign)
  }
  await broadcast(campaign.workspaceId, 'campaigns', { campaign: campaign.publicId })
  return campaign
}

/** "Send": launch, or wait for an approver. */
export async function requestSend(campaign: Campaign, actor: MemberActor, now = DateTime.utc()) {
  if (!['draft', 'failed'].includes(campaign.status))
    throw new CampaignStateException(campaign.status)
  await assertReady(campaign, now)
  const settings = await campaignSettings()
  if (settings.approvalRequired && !isApprover(actor)) {
    campaign.merge({ status: 'awaiting_approval', failureReason: null })
    await campaign.save()
    await notifyCampaign(await approverIds(), 'campaigns.approval_requested', campaign, {
      requester: actor.user.fullName ?? actor.user.email,
    })
    await audit({
      action: 'campaigns.approval_requested',
      workspaceId: campaign.workspaceId,
      target: { type: 'campaigns', id: campaign.publicId },
    })
    return campaign
  }
  if (settings.approvalRequired) {
    campaign.merge({ approvedBy: actor.user.id, approvedAt: now })
  }
  campaign.failureReason = null
  await audit({
    action: 'campaigns.sent',
    workspaceId: campaign.workspaceId,
    target: { type: 'campaigns', id: campaign.publicId },
  })
  return launchCampaign(campaign, now)
}

export async function approveCampaign(
  campaign: Campaign,
  actor: MemberActor,
  now = DateTime.utc()
) {
  if (campaign.status !== 'awaiting_approval') throw new CampaignStateException(campaign.status)
  await assertReady(campaign, now)
  campaign.merge({ approvedBy: actor.user.id, approvedAt: now })
  await audit({
    action: 'campaigns.approved',
    workspaceId: campaign.workspaceId,
    target: { type: 'campaigns', id: campaign.publicId },
  })
  return launchCampaign(campaign, now)
}

export async function rejectCampaign(campaign: Campaign, actor: MemberActor, reason: string) {
  if (campaign.status !== 'awaiting_approval') throw new CampaignStateException(campaign.status)
  campaign.merge({ status: 'draft', failureReason: `E_REJECTED: ${reason}` })
  await campaign.save()
  await audit({
    action: 'campaigns.rejected',
    workspaceId: campaign.workspaceId,
    target: { type: 'campaigns', id: campaign.publicId },
    after: { reason },
  })
  await notifyCampaign([campaign.createdBy], 'campaigns.rejected', campaign, {
    reason,
    approver: actor.user.fullName ?? actor.user.email,
  })
  return campaign
}

/**
 * Cancel: before start the campaign simply stops (a recurring parent
 * spawns no more occurrences); while running the dispatcher cancels the
 * pending recipients.
 */
export async function cancelCampaign(campaign: Campaign) {
  if (['running', 'paused', 'preparing'].includes(campaign.status)) {
    await cancelDispatch(campaign)
    await campaign.refresh()
    if (campaign.status !== 'cancelled') {
      campaign.status = 'cancelled'
      await campaign.save()
    }
  } else if (['draft', 'awaiting_approval', 'scheduled', 'recurring'].includes(campaign.status)) {
    campaign.merge({ status: 'cancelled', nextRunAt: null })
    await campaign.save()
  } else {
    throw new CampaignStateException(campaign.status)
  }
  await audit({
    action: 'campaigns.cancelled',
    workspaceId: campaign.workspaceId,
    target: { type: 'campaigns', id: campaign.publicId },
  })
  await broadcast(campaign.workspaceId, 'campaigns', { campaign: campaign.publicId })
  return campaign
}
