import type { TemplateCategory, TemplateComponent } from './template_types'

/** A template as the list and the editor receive it (TemplateRow on the server). */
export type TemplateRow = {
  id: string
  name: string
  language: string
  category: TemplateCategory
  parameterFormat: 'positional' | 'named'
  components: TemplateComponent[]
  status: string
  rejectedReason: string | null
  rejectionDetail: string | null
  qualityScore: string | null
  pausedUntil: string | null
  pauseReason: string | null
  disableDate: string | null
  pendingCategory: string | null
  categoryChangeAt: string | null
  submittedAt: string | null
  lastSyncedAt: string | null
  updatedAt: string
  edits: { lastDay: number; lastThirtyDays: number; nextAllowedAt: string | null }
}

export type TemplateChannelOption = { id: string; name: string; wabaId: string }

/** One validation issue from the server (422 E_TEMPLATE_INVALID). */
export type TemplateIssue = {
  component: 'header' | 'body' | 'footer' | 'buttons' | 'name' | 'language' | 'category'
  index?: number
  field?: string
  /** `buttons[0].supported_apps[1].signature_hash`: component, index and field in one. */
  path?: string
  rule?: string
  code: string
  message: string
}
