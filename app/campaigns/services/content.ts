import MessageTemplate from '#templates/models/message_template'
import CampaignVariant from '#campaigns/models/campaign_variant'
import type Campaign from '#campaigns/models/campaign'
import { templateVariables } from '#templates/services/render'
import type { TemplateCategory } from '#templates/types'

export type VariantWithTemplate = { variant: CampaignVariant; template: MessageTemplate | null }

/** The campaign's variants (by label) with their templates. */
export async function variantsOf(campaign: Campaign): Promise<VariantWithTemplate[]> {
  const variants = await CampaignVariant.query()
    .where('campaign_id', campaign.id)
    .orderBy('label', 'asc')
  const ids = [...new Set(variants.map((variant) => variant.templateId))]
  const templates = ids.length ? await MessageTemplate.query().whereIn('id', ids) : []
  const byId = new Map(templates.map((template) => [template.id, template]))
  return variants.map((variant) => ({ variant, template: byId.get(variant.templateId) ?? null }))
}

/**
 * The consent rule of the whole campaign: marketing when any variant's
 * template is marketing (the strictest rule applies to everyone).
 */
export function categoryOf(variants: VariantWithTemplate[]): TemplateCategory {
  const categories = variants.map((entry) => entry.template?.category ?? 'MARKETING')
  if (categories.includes('MARKETING')) return 'MARKETING'
  if (categories.includes('UTILITY')) return 'UTILITY'
  return categories[0] ?? 'MARKETING'
}

/** Variable keys of the variant's template that have no mapping. */
export function unmappedVariables(entry: VariantWithTemplate): string[] {
  if (!entry.template) return []
  return templateVariables(entry.template)
    .map((variable) => variable.key)
    .filter((key) => {
      const source = entry.variant.variables[key]
      if (!source) return true
      if (source.source === 'text') return !source.text?.trim()
      return !source.key
    })
}
