import db from '@adonisjs/lucid/services/db'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'

/** A workspace's campaign settings (migration 0061); defaults until first saved. */
export type CampaignSettings = {
  approvalRequired: boolean
  frequencyCapHours: number
  replyWindowHours: number
}

export const DEFAULT_CAMPAIGN_SETTINGS: CampaignSettings = {
  approvalRequired: false,
  frequencyCapHours: 24,
  replyWindowHours: 72,
}

/** The current workspace's settings. */
export async function campaignSettings(): Promise<CampaignSettings> {
  // Explicitly scoped: one row per workspace.
  const row = await db
    .from('campaign_settings')
    .where('workspace_id', tenancy.workspaceId())
    .first()
  if (!row) return { ...DEFAULT_CAMPAIGN_SETTINGS }
  return {
    approvalRequired: Boolean(row.approval_required),
    frequencyCapHours: Number(row.frequency_cap_hours),
    replyWindowHours: Number(row.reply_window_hours),
  }
}

/** Saves the current workspace's settings (insert or update). */
export async function saveCampaignSettings(input: CampaignSettings): Promise<CampaignSettings> {
  const workspaceId = tenancy.workspaceId()
  const now = sqlDateTime()
  const values = {
    approval_required: input.approvalRequired,
    frequency_cap_hours: input.frequencyCapHours,
    reply_window_hours: input.replyWindowHours,
    updated_at: now,
  }
  const updated = await db
    .from('campaign_settings')
    .where('workspace_id', workspaceId)
    .update(values)
  const changed = Array.isArray(updated) ? Number(updated[0] ?? 0) : Number(updated)
  if (!changed) {
    await db
      .knexQuery()
      .table('campaign_settings')
      .insert({ workspace_id: workspaceId, ...values, created_at: now })
      .onConflict('workspace_id')
      .merge(values)
  }
  return campaignSettings()
}
