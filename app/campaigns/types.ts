/**
 * Shapes shared by the campaign modules (audience, content, dispatch).
 */

/** Who a campaign is for; ids are internal ids of the workspace's rows. */
export type CampaignAudience = {
  include: {
    segments: number[]
    tags: number[]
    /** The uploaded list kept in `campaign_list_members`. */
    list: boolean
    /** Every contact of the workspace (existing customers). */
    allContacts: boolean
  }
  exclude: { segments: number[]; tags: number[] }
}

/**
 * Where one template variable's value comes from, keyed in
 * `campaign_variants.variables` by `<component>.<variable>`:
 * `header.1`, `body.1`, `body.first_name`, `button.0` (URL suffix / code).
 */
export type VariableSource =
  | { source: 'field'; key: string; fallback?: string }
  | { source: 'custom'; key: string; fallback?: string }
  | { source: 'text'; text: string }

export type VariableMapping = Record<string, VariableSource>

export type Recurrence = {
  freq: 'daily' | 'weekly' | 'monthly'
  interval: number
  /** ISO date; no occurrence after it. */
  until?: string | null
}

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

export type RecipientStatus =
  'pending' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'skipped' | 'cancelled'
