import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import { workspaceFields } from '#contacts/services/custom_fields'
import MessageTemplate from '#templates/models/message_template'
import { CONTACT_FIELD_KEYS, templateVariables } from '#templates/services/render'
import type { TemplateComponent } from '#templates/types'
import { paginationMeta } from '#core/helpers/pagination'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'
import Campaign from '#campaigns/models/campaign'
import { campaignProgress, type CampaignProgress } from '#campaigns/dispatch/control'
import { variantsOf } from '#campaigns/services/content'
import { occurrencesBetween } from '#campaigns/services/recurrence'
import type { CampaignStatus, Recurrence, VariableMapping } from '#campaigns/types'

/** Shapes the campaign pages receive (resources/js/pages/campaigns). */

export type CampaignRow = {
  id: string
  name: string
  status: CampaignStatus
  sendAt: string | null
  nextRunAt: string | null
  recurrence: Recurrence | null
  parent: string | null
  total: number
  sent: number
  delivered: number
  read: number
  replied: number
  failed: number
  skipped: number
  createdAt: string
  startedAt: string | null
  completedAt: string | null
  failureReason: string | null
}

async function publicIdsOf(table: string, ids: number[]): Promise<string[]> {
  if (!ids.length) return []
  // Explicitly scoped lookups of the campaign's own references.
  const rows = await db
    .from(table)
    .where('workspace_id', tenancy.workspaceId())
    .whereIn('id', ids)
    .select('public_id')
  return rows.map((row) => String(row.public_id))
}

export function campaignRow(campaign: Campaign, parentPublicId: string | null = null): CampaignRow {
  return {
    id: campaign.publicId,
    name: campaign.name,
    status: campaign.status,
    sendAt: campaign.sendAt?.toISO() ?? null,
    nextRunAt: campaign.nextRunAt?.toISO() ?? null,
    recurrence: campaign.recurrence,
    parent: parentPublicId,
    total: campaign.totalCount,
    sent: campaign.sentCount,
    delivered: campaign.deliveredCount,
    read: campaign.readCount,
    replied: campaign.repliedCount,
    failed: campaign.failedCount,
    skipped: campaign.skippedCount,
    createdAt: campaign.createdAt.toISO()!,
    startedAt: campaign.startedAt?.toISO() ?? null,
    completedAt: campaign.completedAt?.toISO() ?? null,
    failureReason: campaign.failureReason,
  }
}

export const LIST_STATUSES = [
  'draft',
  'awaiting_approval',
  'scheduled',
  'recurring',
  'preparing',
  'running',
  'paused',
  'completed',
  'cancelled',
  'failed',
] as const

export async function listCampaigns(filters: { status?: string; q?: string; page?: number }) {
  const query = Campaign.query().orderBy('created_at', 'desc').orderBy('id', 'desc')
  if (filters.status && (LIST_STATUSES as readonly string[]).includes(filters.status)) {
    query.where('status', filters.status)
  }
  if (filters.q) query.where('name', 'like', `%${filters.q.replace(/[%_]/g, '')}%`)
  const page = await query.paginate(Math.max(1, filters.page ?? 1), 20)
  const parentIds = [
    ...new Set(
      page
        .all()
        .map((row) => row.parentId)
        .filter(Boolean)
    ),
  ] as number[]
  const parents = parentIds.length ? await Campaign.query().whereIn('id', parentIds) : []
  const parentOf = new Map(parents.map((parent) => [parent.id, parent.publicId]))
  return {
    rows: page
      .all()
      .map((row) => campaignRow(row, row.parentId ? parentOf.get(row.parentId) : null)),
    meta: paginationMeta(page),
  }
}

export type TemplateOption = {
  id: string
  wabaId: string
  name: string
  language: string
  category: string
  components: TemplateComponent[]
  variables: { key: string; example: string | null }[]
}

/** What the wizard offers: channels, segments, tags, approved templates, fields. */
export async function wizardCatalog() {
  const [channels, segments, tags, templates, fields] = await Promise.all([
    Channel.query().orderBy('name'),
    Segment.query().orderBy('name'),
    Tag.query().orderBy('name'),
    MessageTemplate.query().where('status', 'APPROVED').orderBy('name'),
    workspaceFields(),
  ])
  return {
    channels: channels.map((channel) => ({
      id: channel.publicId,
      name: channel.name,
      phone: channel.displayPhoneNumber,
      status: channel.status,
      wabaId: channel.wabaId,
    })),
    segments: segments.map((segment) => ({ id: segment.publicId, name: segment.name })),
    tags: tags.map((tag) => ({ id: tag.publicId, name: tag.name })),
    templates: templates.map((template): TemplateOption => ({
      id: template.publicId,
      wabaId: template.wabaId,
      name: template.name,
      language: template.language,
      category: template.category,
      components: template.components,
      variables: templateVariables(template).map((variable) => ({
        key: variable.key,
        example: variable.example,
      })),
    })),
    contactFields: [...CONTACT_FIELD_KEYS],
    customFields: fields.map((field) => ({ key: field.key, label: field.label })),
  }
}

export type CampaignForm = {
  id: string
  name: string
  status: CampaignStatus
  channel: string | null
  audience: {
    include: { segments: string[]; tags: string[]; list: boolean; allContacts: boolean }
    exclude: { segments: string[]; tags: string[] }
  }
  variants: {
    label: string
    template: string | null
    variables: VariableMapping
    splitPercent: number
  }[]
  schedule: {
    mode: 'now' | 'later'
    sendAt: string | null
    localTime: boolean
    timezone: string | null
    recurrence: Recurrence | null
  }
  frequencyCapHours: number | null
  abTest: {
    testPercent: number | null
    winnerMetric: 'read' | 'reply'
    winnerAfterHours: number
  } | null
  listSize: number
  failureReason: string | null
}

export async function campaignForm(campaign: Campaign): Promise<CampaignForm> {
  const audience = campaign.audience
  const variants = await variantsOf(campaign)
  const channel = campaign.channelId ? await Channel.find(campaign.channelId) : null
  const [listRow] = await db
    .from('campaign_list_members')
    .where('workspace_id', tenancy.workspaceId())
    .where('campaign_id', campaign.id)
    .count('* as total')
  const zone = campaign.timezone || 'UTC'
  return {
    id: campaign.publicId,
    name: campaign.name,
    status: campaign.status,
    channel: channel?.publicId ?? null,
    audience: {
      include: {
        segments: await publicIdsOf('segments', audience.include.segments),
        tags: await publicIdsOf('tags', audience.include.tags),
        list: audience.include.list,
        allContacts: audience.include.allContacts,
      },
      exclude: {
        segments: await publicIdsOf('segments', audience.exclude.segments),
        tags: await publicIdsOf('tags', audience.exclude.tags),
      },
    },
    variants: variants.map(({ variant, template }) => ({
      label: variant.label,
      template: template?.publicId ?? null,
      variables: variant.variables,
      splitPercent: variant.splitPercent,
    })),
    schedule: {
      mode: campaign.sendAt ? 'later' : 'now',
      // Wall-clock time in the campaign's zone, for a datetime-local input.
      sendAt: campaign.sendAt ? campaign.sendAt.setZone(zone).toFormat("yyyy-LL-dd'T'HH:mm") : null,
      localTime: campaign.localTime,
      timezone: campaign.timezone,
      recurrence: campaign.recurrence,
    },
    frequencyCapHours: campaign.frequencyCapHours,
    abTest: campaign.testPercent
      ? {
          testPercent: campaign.testPercent,
          winnerMetric: campaign.winnerMetric ?? 'read',
          winnerAfterHours: campaign.winnerAfterHours ?? 4,
        }
      : null,
    listSize: Number(listRow?.total ?? 0),
    failureReason: campaign.failureReason,
  }
}

export type CampaignReport = {
  campaign: CampaignRow
  progress: CampaignProgress
  variants: {
    label: string
    template: string | null
    splitPercent: number
    total: number
    sent: number
    delivered: number
    read: number
    replied: number
    failed: number
    winner: boolean
  }[]
  failures: { code: number | null; reason: string | null; count: number }[]
  skipped: { reason: string | null; count: number }[]
  abTest: { testPercent: number; winnerMetric: string | null; winnerDueAt: string | null } | null
  occurrences: CampaignRow[]
}

/** The report page: progress, per-variant figures, failures by code, skipped by reason. */
export async function campaignReport(campaign: Campaign): Promise<CampaignReport> {
  const workspaceId = tenancy.workspaceId()
  const variants = await variantsOf(campaign)
  // Explicitly scoped aggregates over the campaign's recipients.
  const perVariant = await db
    .from('campaign_recipients')
    .where('workspace_id', workspaceId)
    .where('campaign_id', campaign.id)
    .whereNotNull('variant_id')
    .groupBy('variant_id')
    .select('variant_id')
    .count('* as total')
    .count('sent_at as sent')
    .count('delivered_at as delivered')
    .count('read_at as read')
    .count('replied_at as replied')
    .count('failed_at as failed')
  const byVariant = new Map(perVariant.map((row: any) => [Number(row.variant_id), row]))
  const failures = await db
    .from('campaign_recipients')
    .where('workspace_id', workspaceId)
    .where('campaign_id', campaign.id)
    .where('status', 'failed')
    .groupBy('error_code', 'error_reason')
    .select('error_code', 'error_reason')
    .count('* as total')
    .orderBy('total', 'desc')
    .limit(20)
  const skipped = await db
    .from('campaign_recipients')
    .where('workspace_id', workspaceId)
    .where('campaign_id', campaign.id)
    .where('status', 'skipped')
    .groupBy('error_reason')
    .select('error_reason')
    .count('* as total')
    .orderBy('total', 'desc')
  const children = campaign.recurrence
    ? await Campaign.query().where('parent_id', campaign.id).orderBy('send_at', 'desc').limit(50)
    : []
  return {
    campaign: campaignRow(campaign),
    progress: await campaignProgress(campaign),
    variants: variants.map(({ variant, template }) => {
      const row: any = byVariant.get(variant.id) ?? {}
      return {
        label: variant.label,
        template: template?.name ?? null,
        splitPercent: variant.splitPercent,
        total: Number(row.total ?? 0),
        sent: Number(row.sent ?? 0),
        delivered: Number(row.delivered ?? 0),
        read: Number(row.read ?? 0),
        replied: Number(row.replied ?? 0),
        failed: Number(row.failed ?? 0),
        winner: campaign.winnerVariantId === variant.id,
      }
    }),
    failures: failures.map((row: any) => ({
      code: row.error_code === null ? null : Number(row.error_code),
      reason: row.error_reason ?? null,
      count: Number(row.total),
    })),
    skipped: skipped.map((row: any) => ({
      reason: row.error_reason ?? null,
      count: Number(row.total),
    })),
    abTest: campaign.testPercent
      ? {
          testPercent: campaign.testPercent,
          winnerMetric: campaign.winnerMetric,
          winnerDueAt: campaign.winnerDueAt?.toISO() ?? null,
        }
      : null,
    occurrences: children.map((child) => campaignRow(child, campaign.publicId)),
  }
}

export type CalendarEntry = {
  campaign: string
  name: string
  status: CampaignStatus
  at: string
  recurring: boolean
  occurrence: boolean
}

/** Scheduled, running and recurring campaigns of one month (UTC month bounds in `zone`). */
export async function calendarMonth(month: DateTime, zone: string): Promise<CalendarEntry[]> {
  const from = month.setZone(zone).startOf('month')
  const to = from.plus({ months: 1 })
  const entries: CalendarEntry[] = []
  const dated = await Campaign.query()
    .whereNotNull('send_at')
    .where('send_at', '>=', sqlDateTime(from))
    .where('send_at', '<', sqlDateTime(to))
    .whereNot('status', 'recurring')
    .orderBy('send_at')
    .limit(500)
  for (const campaign of dated) {
    entries.push({
      campaign: campaign.publicId,
      name: campaign.name,
      status: campaign.status,
      at: campaign.sendAt!.toISO()!,
      recurring: false,
      occurrence: Boolean(campaign.parentId),
    })
  }
  const recurring = await Campaign.query().where('status', 'recurring').limit(200)
  for (const campaign of recurring) {
    if (!campaign.recurrence) continue
    const anchor = campaign.sendAt ?? campaign.nextRunAt
    if (!anchor) continue
    const start = DateTime.max(from.toUTC(), campaign.nextRunAt ?? from.toUTC())
    for (const at of occurrencesBetween(
      anchor,
      campaign.recurrence,
      start,
      to.toUTC(),
      campaign.timezone || zone
    )) {
      entries.push({
        campaign: campaign.publicId,
        name: campaign.name,
        status: campaign.status,
        at: at.toISO()!,
        recurring: true,
        occurrence: false,
      })
    }
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at))
}
