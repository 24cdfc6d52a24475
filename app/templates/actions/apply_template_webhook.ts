import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { tenancy } from '#core/tenancy/context'
import { broadcastTemplates } from '#templates/services/realtime'
import { forgetTemplateStatus } from '#templates/services/guard'
import MessageTemplate from '#templates/models/message_template'
import type { TemplateCategory, TemplateStatus } from '#templates/types'

/**
 * Template lifecycle webhooks (reference §1.8, discrepancy §10.7):
 * - `message_template_status_update`: status, rejection reason and
 *   detail, pause (FIRST_PAUSE 3 h, SECOND_PAUSE 6 h), disable date;
 * - `message_template_quality_update`: the quality score (routed by the
 *   value's shape too, since Meta's sample names the wrong field);
 * - `template_category_update`: an advance notice (pending category and
 *   when) or a completed change.
 * Applied in every workspace holding that template (WABA + Meta id, else
 * WABA + name + language), each inside its own tenant context, then a
 * `templates` realtime event refreshes open lists.
 */

export type TemplateWebhookUpdate = {
  wabaId: string | null
  field: string
  value: Record<string, unknown>
}

const STATUSES = new Set<string>([
  'APPROVED',
  'ARCHIVED',
  'DELETED',
  'DISABLED',
  'FLAGGED',
  'IN_APPEAL',
  'LIMIT_EXCEEDED',
  'LOCKED',
  'PAUSED',
  'PENDING',
  'REINSTATED',
  'PENDING_DELETION',
  'REJECTED',
])
const PAUSE_HOURS: Record<string, number> = { FIRST_PAUSE: 3, SECOND_PAUSE: 6 }
const QUALITY = new Set(['GREEN', 'YELLOW', 'RED', 'UNKNOWN'])

type Kind = 'status' | 'quality' | 'category'

/** Which template event this is, by field and, failing that, by value shape. */
export function templateWebhookKind(update: TemplateWebhookUpdate): Kind | null {
  const value = update.value ?? {}
  if ('new_quality_score' in value) return 'quality'
  if ('new_category' in value) return 'category'
  switch (update.field) {
    case 'message_template_status_update':
      return 'status'
    case 'message_template_quality_update':
      return 'quality'
    case 'template_category_update':
      return 'category'
    default:
      return null
  }
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return null
}

function timestamp(value: unknown): DateTime | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return DateTime.fromSeconds(value > 1e12 ? value / 1000 : value, { zone: 'utc' })
  }
  if (typeof value === 'string' && value) {
    if (/^\d+$/.test(value)) return timestamp(Number(value))
    const parsed = DateTime.fromISO(value, { zone: 'utc' })
    if (parsed.isValid) return parsed
    const rfc = DateTime.fromRFC2822(value, { zone: 'utc' })
    if (rfc.isValid) return rfc
    const js = new Date(value)
    if (!Number.isNaN(js.getTime())) return DateTime.fromJSDate(js, { zone: 'utc' })
  }
  return null
}

/** Workspaces holding the template: ids only, read before any tenant context is opened. */
async function matchingRows(
  wabaId: string | null,
  metaId: string | null,
  name: string | null,
  language: string | null
) {
  const query = db.from('message_templates').select('id', 'workspace_id')
  if (wabaId) query.where('waba_id', wabaId)
  query.where((where) => {
    if (metaId) where.orWhere('meta_template_id', metaId)
    if (name && language)
      where.orWhere((both) => both.where('name', name).where('language', language))
  })
  if (!metaId && !(name && language)) return []
  return (await query) as { id: number; workspace_id: number }[]
}

export async function applyTemplateWebhook(update: TemplateWebhookUpdate): Promise<number> {
  const kind = templateWebhookKind(update)
  if (!kind) return 0
  const value = update.value ?? {}
  const metaId = text(value.message_template_id)
  const name = text(value.message_template_name) ?? text(value.name)
  const language = text(value.message_template_language) ?? text(value.language)
  const rows = await matchingRows(update.wabaId, metaId, name, language)
  const now = DateTime.utc()
  let applied = 0

  for (const row of rows) {
    const workspaceId = Number(row.workspace_id)
    await tenancy.run(workspaceId, async () => {
      const template = await MessageTemplate.find(row.id)
      if (!template) return
      if (metaId && !template.metaTemplateId) template.metaTemplateId = metaId

      if (kind === 'status') {
        const event = String(value.event ?? '').toUpperCase()
        if (!STATUSES.has(event)) return
        const pauseTitle = text((value.other_info as Record<string, unknown> | undefined)?.title)
        let status = event as TemplateStatus
        // REINSTATED / UNPAUSE mean the template can be sent again.
        if (event === 'REINSTATED' || pauseTitle === 'UNPAUSE') status = 'APPROVED'
        if (template.status !== status) template.statusChangedAt = now
        template.status = status
        if (status === 'REJECTED') {
          template.rejectedReason = text(value.reason) ?? 'NONE'
          const info = value.rejection_info as Record<string, unknown> | undefined
          template.rejectionDetail = info
            ? [text(info.reason), text(info.recommendation)].filter(Boolean).join(' — ') || null
            : null
        } else if (status === 'APPROVED') {
          template.rejectedReason = null
          template.rejectionDetail = null
        }
        if (status === 'PAUSED') {
          const hours = pauseTitle ? PAUSE_HOURS[pauseTitle] : undefined
          template.pauseReason =
            pauseTitle ??
            text((value.other_info as Record<string, unknown> | undefined)?.description) ??
            'PAUSED'
          template.pausedUntil = hours ? now.plus({ hours }) : null
        } else {
          template.pausedUntil = null
          if (status !== 'DISABLED') template.pauseReason = null
        }
        if (status === 'DISABLED') {
          const disable = value.disable_info as Record<string, unknown> | undefined
          template.disableDate = timestamp(disable?.disable_date) ?? now
          template.pauseReason = pauseTitle ?? template.pauseReason
        }
        const category = text(value.message_template_category)
        if (category && ['MARKETING', 'UTILITY', 'AUTHENTICATION'].includes(category)) {
          template.category = category as TemplateCategory
        }
      } else if (kind === 'quality') {
        const score = String(value.new_quality_score ?? '').toUpperCase()
        if (!QUALITY.has(score)) return
        template.qualityScore = score
      } else {
        const next = text(value.new_category)
        if (!next) return
        if ('previous_category' in value) {
          template.category = next as TemplateCategory
          template.pendingCategory = null
          template.categoryChangeAt = null
        } else {
          template.pendingCategory = next
          template.categoryChangeAt =
            timestamp(value.category_update_timestamp) ?? now.plus({ hours: 24 })
        }
      }
      await template.save()
      applied++
      await broadcastTemplates(template)
    })
  }
  // The send guard caches statuses for a few seconds; this process knows better now.
  if (applied) forgetTemplateStatus()
  return applied
}
