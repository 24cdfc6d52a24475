import { DateTime } from 'luxon'
import type { Infer } from '@vinejs/vine/types'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import MessageTemplate from '#templates/models/message_template'
import Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { audit } from '#core/services/audit'
import Campaign, { EMPTY_AUDIENCE } from '#campaigns/models/campaign'
import CampaignVariant from '#campaigns/models/campaign_variant'
import { campaignFieldErrors, CampaignStateException } from '#campaigns/exceptions'
import { campaignSettings } from '#campaigns/services/settings'
import type { campaignValidator } from '#campaigns/validators/campaign'
import type { CampaignAudience, VariableMapping } from '#campaigns/types'

export type CampaignInput = Infer<typeof campaignValidator>

/** A campaign is scheduled at most this far ahead. */
export const MAX_SCHEDULE_DAYS = 90
export const VARIANT_LABELS = ['A', 'B', 'C', 'D', 'E']
/** Statuses in which a campaign can still be edited (it has not started). */
export const EDITABLE = ['draft', 'awaiting_approval', 'scheduled', 'recurring', 'failed']

type FieldError = { field: string; key: string; params?: object }

async function internalIds(
  model: typeof Segment | typeof Tag,
  publicIds: string[],
  field: string,
  errors: FieldError[]
): Promise<number[]> {
  if (!publicIds.length) return []
  const rows = await (model as typeof Segment).query().whereIn('public_id', publicIds)
  if (rows.length !== new Set(publicIds).size) errors.push({ field, key: 'unknown_reference' })
  return rows.map((row) => row.id)
}

async function audienceOf(input: CampaignInput['audience'], errors: FieldError[]) {
  if (!input) return null
  const audience: CampaignAudience = {
    include: {
      segments: await internalIds(
        Segment,
        input.include.segments,
        'audience.include.segments',
        errors
      ),
      tags: await internalIds(Tag, input.include.tags, 'audience.include.tags', errors),
      list: input.include.list,
      allContacts: input.include.allContacts,
    },
    exclude: {
      segments: await internalIds(
        Segment,
        input.exclude.segments,
        'audience.exclude.segments',
        errors
      ),
      tags: await internalIds(Tag, input.exclude.tags, 'audience.exclude.tags', errors),
    },
  }
  return audience
}

/** The schedule as columns, checked: a future time up to 90 days ahead. */
function scheduleOf(
  input: NonNullable<CampaignInput['schedule']>,
  zone: string,
  now: DateTime,
  errors: FieldError[]
) {
  const timezone = input.timezone || zone
  if (!DateTime.local().setZone(timezone).isValid) {
    errors.push({ field: 'schedule.timezone', key: 'timezone' })
  }
  let sendAt: DateTime | null = null
  if (input.mode === 'later') {
    const parsed = input.sendAt ? DateTime.fromISO(input.sendAt, { zone: timezone }) : null
    if (!parsed || !parsed.isValid) {
      errors.push({ field: 'schedule.sendAt', key: 'send_at_required' })
    } else if (parsed < now.minus({ minutes: 1 })) {
      errors.push({ field: 'schedule.sendAt', key: 'send_at_past' })
    } else if (parsed > now.plus({ days: MAX_SCHEDULE_DAYS })) {
      errors.push({
        field: 'schedule.sendAt',
        key: 'send_at_too_far',
        params: { days: MAX_SCHEDULE_DAYS },
      })
    } else {
      sendAt = parsed.toUTC().startOf('minute')
    }
  }
  const recurrence = input.recurrence ?? null
  if (recurrence?.until) {
    const until = DateTime.fromISO(recurrence.until, { zone: timezone })
    if (!until.isValid) errors.push({ field: 'schedule.recurrence.until', key: 'until_invalid' })
    else if (sendAt && until.endOf('day') < sendAt) {
      errors.push({ field: 'schedule.recurrence.until', key: 'until_before_start' })
    }
  }
  return {
    sendAt,
    localTime: input.mode === 'later' ? Boolean(input.localTime) : false,
    timezone,
    recurrence: recurrence
      ? { freq: recurrence.freq, interval: recurrence.interval, until: recurrence.until ?? null }
      : null,
  }
}

async function variantsOf(input: NonNullable<CampaignInput['variants']>, errors: FieldError[]) {
  const ids = [...new Set(input.map((variant) => variant.template).filter(Boolean))] as string[]
  const templates = ids.length ? await MessageTemplate.query().whereIn('public_id', ids) : []
  const byPublicId = new Map(templates.map((template) => [template.publicId, template]))
  if (input.length > 1) {
    const sum = input.reduce((total, variant) => total + variant.splitPercent, 0)
    if (sum !== 100) errors.push({ field: 'variants', key: 'split_sum', params: { sum } })
    input.forEach((variant, index) => {
      if (variant.splitPercent < 1)
        errors.push({ field: `variants.${index}.splitPercent`, key: 'split_min' })
    })
  }
  return input.map((variant, index) => {
    const template = variant.template ? byPublicId.get(variant.template) : null
    if (variant.template && !template) {
      errors.push({ field: `variants.${index}.template`, key: 'unknown_reference' })
    } else if (template && template.status !== 'APPROVED') {
      errors.push({
        field: `variants.${index}.template`,
        key: 'template_not_approved',
        params: { name: template.name },
      })
    }
    const variables: VariableMapping = {}
    for (const [key, source] of Object.entries(variant.variables)) {
      if (source.source === 'text') variables[key] = { source: 'text', text: source.text ?? '' }
      else {
        variables[key] = { source: source.source, key: source.key ?? '' }
        if (source.fallback)
          variables[key] = { ...variables[key], fallback: source.fallback } as any
      }
    }
    return {
      label: VARIANT_LABELS[index],
      templateId: template?.id ?? null,
      variables,
      splitPercent: input.length === 1 ? 100 : variant.splitPercent,
    }
  })
}

/**
 * Creates (campaign null) or updates a draft from the wizard's payload.
 * Editing a scheduled or awaiting campaign puts it back to draft: it must
 * be sent (and approved) again.
 */
export async function saveCampaign(
  campaign: Campaign | null,
  input: CampaignInput,
  actorId: number,
  now = DateTime.utc()
): Promise<Campaign> {
  if (campaign && !EDITABLE.includes(campaign.status)) {
    throw new CampaignStateException(campaign.status)
  }
  const errors: FieldError[] = []
  const workspace = await Workspace.findOrFail(tenancy.workspaceId())
  let channelId: number | null | undefined
  if (input.channel !== undefined) {
    if (input.channel === null) channelId = null
    else {
      const channel = await Channel.findBy('public_id', input.channel)
      if (!channel) errors.push({ field: 'channel', key: 'unknown_reference' })
      channelId = channel?.id ?? null
    }
  }
  const audience = await audienceOf(input.audience, errors)
  const schedule = input.schedule
    ? scheduleOf(input.schedule, workspace.timezone, now, errors)
    : null
  const variants = input.variants ? await variantsOf(input.variants, errors) : null
  if (input.abTest?.testPercent && variants && variants.length < 2) {
    errors.push({ field: 'abTest.testPercent', key: 'test_needs_variants' })
  }
  if (errors.length) campaignFieldErrors(errors)

  const settings = await campaignSettings()
  const saved = await db.transaction(async (trx) => {
    const target = campaign ?? new Campaign()
    target.useTransaction(trx)
    target.merge({ name: input.name })
    if (!campaign) {
      target.merge({
        status: 'draft',
        audience: EMPTY_AUDIENCE,
        createdBy: actorId,
        replyWindowHours: settings.replyWindowHours,
        timezone: workspace.timezone,
      })
    } else if (
      ['awaiting_approval', 'scheduled', 'recurring', 'failed'].includes(campaign.status)
    ) {
      target.merge({
        status: 'draft',
        nextRunAt: null,
        approvedBy: null,
        approvedAt: null,
        failureReason: null,
      })
    }
    if (channelId !== undefined) target.channelId = channelId
    if (audience) target.audience = audience
    if (schedule) target.merge(schedule)
    if (input.frequencyCapHours !== undefined) target.frequencyCapHours = input.frequencyCapHours
    if (input.abTest !== undefined) {
      target.merge({
        testPercent: input.abTest?.testPercent ?? null,
        winnerMetric: input.abTest?.testPercent ? input.abTest.winnerMetric : null,
        winnerAfterHours: input.abTest?.testPercent ? input.abTest.winnerAfterHours : null,
      })
    }
    await target.save()
    if (variants) {
      await CampaignVariant.query({ client: trx }).where('campaign_id', target.id).delete()
      for (const variant of variants) {
        if (variant.templateId === null) continue
        await CampaignVariant.create(
          {
            campaignId: target.id,
            label: variant.label,
            templateId: variant.templateId,
            variables: variant.variables,
            splitPercent: variant.splitPercent,
          },
          { client: trx }
        )
      }
    }
    return target
  })
  if (!campaign) {
    await audit({
      action: 'campaigns.created',
      workspaceId: saved.workspaceId,
      actorId,
      target: { type: 'campaigns', id: saved.publicId },
    })
  }
  return saved
}
