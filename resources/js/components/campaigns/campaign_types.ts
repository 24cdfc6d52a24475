import type { TemplateComponent } from '~/components/templates/template_types'

/** Shapes of the campaign pages' props (app/campaigns/queries/campaign_views.ts). */

export type CampaignStatus =
  | 'draft'
  | 'awaiting_approval'
  | 'scheduled'
  | 'recurring'
  | 'preparing'
  | 'running'
  | 'paused'
  | 'completed'
  | 'cancelled'
  | 'failed'

export type Recurrence = {
  freq: 'daily' | 'weekly' | 'monthly'
  interval: number
  until?: string | null
}

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

export type VariableSource =
  | { source: 'field'; key: string; fallback?: string }
  | { source: 'custom'; key: string; fallback?: string }
  | { source: 'text'; text: string }

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
    variables: Record<string, VariableSource>
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

export type TemplateOption = {
  id: string
  wabaId: string
  name: string
  language: string
  category: string
  components: TemplateComponent[]
  variables: { key: string; example: string | null }[]
}

export type WizardCatalog = {
  channels: {
    id: string
    name: string
    phone: string | null
    status: string
    wabaId: string | null
  }[]
  segments: { id: string; name: string }[]
  tags: { id: string; name: string }[]
  templates: TemplateOption[]
  contactFields: string[]
  customFields: { key: string; label: string }[]
}

export type AudienceBreakdown = {
  sendable: number
  matched: number
  duplicates: number
  excluded: number
  skipped: Record<'erased' | 'no_phone' | 'no_consent' | 'frequency_cap', number>
  sample: { id: string; name: string; phone: string | null }[]
  category: string
}

export type CampaignProgress = {
  total: number
  queued: number
  sending: number
  sent: number
  delivered: number
  read: number
  replied: number
  failed: number
  skipped: number
  cancelled: number
  rates: { delivery: number; read: number; reply: number; failure: number }
  waiting: string | null
  waitingUntil: string | null
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

/** Share of the audience that is done (sent, failed, skipped or cancelled), 0..100. */
export function percentDone(progress: {
  total: number
  sent: number
  failed: number
  skipped: number
  cancelled?: number
}): number {
  if (!progress.total) return 0
  const done = progress.sent + progress.failed + progress.skipped + (progress.cancelled ?? 0)
  return Math.min(100, Math.round((done / progress.total) * 100))
}

/** A stored failure reason `E_CODE: detail` split for translation. */
export function failureParts(reason: string | null): { code: string; detail: string } | null {
  if (!reason) return null
  const match = /^(E_[A-Z_]+)(?::\s*(.*))?$/s.exec(reason)
  return match ? { code: match[1], detail: match[2] ?? '' } : { code: '', detail: reason }
}
