import db from '@adonisjs/lucid/services/db'
import Campaign from '#campaigns/models/campaign'
import CampaignVariant from '#campaigns/models/campaign_variant'
import { startCampaignDispatch } from '#campaigns/dispatch/control'
import { broadcast } from '#core/realtime'

export type VariantScore = {
  variantId: number
  label: string
  sent: number
  hits: number
  rate: number
}

/**
 * The test phase's result per variant: among its `test` recipients that
 * were sent, the share that read (metric `read`) or replied (`reply`).
 */
export async function scoreVariants(campaign: Campaign): Promise<VariantScore[]> {
  const variants = await CampaignVariant.query().where('campaign_id', campaign.id).orderBy('label')
  const hitColumn = campaign.winnerMetric === 'reply' ? 'replied_at' : 'read_at'
  // Explicitly scoped: the campaign's own rows.
  const rows = await db
    .from('campaign_recipients')
    .where('workspace_id', campaign.workspaceId)
    .where('campaign_id', campaign.id)
    .where('phase', 'test')
    .whereNotNull('sent_at')
    .groupBy('variant_id')
    .select('variant_id')
    .count('* as sent')
    .count(`${hitColumn} as hits`)
  const byVariant = new Map(rows.map((row: any) => [Number(row.variant_id), row]))
  return variants.map((variant) => {
    const row: any = byVariant.get(variant.id)
    const sent = Number(row?.sent ?? 0)
    const hits = Number(row?.hits ?? 0)
    return { variantId: variant.id, label: variant.label, sent, hits, rate: sent ? hits / sent : 0 }
  })
}

/**
 * `campaigns.pick_winner` (delayed by winner_after_hours): the variant
 * with the best rate wins (ties: the earlier label); the `rest` rows get
 * it and the dispatcher starts on them. Runs once: a campaign with a
 * winner, or no longer running, is left alone.
 */
export async function pickWinner(campaignId: number): Promise<number | null> {
  const campaign = await Campaign.find(campaignId)
  if (!campaign || campaign.winnerVariantId) return null
  if (!['running', 'paused'].includes(campaign.status)) return null
  const scores = await scoreVariants(campaign)
  if (!scores.length) return null
  const winner = scores.reduce((best, score) => (score.rate > best.rate ? score : best), scores[0])
  await db
    .from('campaign_recipients')
    .where('workspace_id', campaign.workspaceId)
    .where('campaign_id', campaign.id)
    .where('phase', 'rest')
    .whereNull('variant_id')
    .update({ variant_id: winner.variantId })
  campaign.winnerVariantId = winner.variantId
  await campaign.save()
  await broadcast(campaign.workspaceId, `campaigns/${campaign.publicId}`, { winner: winner.label })
  if (campaign.status === 'running') await startCampaignDispatch(campaign.id)
  return winner.variantId
}
