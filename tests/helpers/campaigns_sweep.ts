import { tenancy } from '#core/tenancy/context'
import Channel from '#channels/models/channel'
import MessageTemplate from '#templates/models/message_template'
import Campaign, { EMPTY_AUDIENCE } from '#campaigns/models/campaign'
import CampaignVariant from '#campaigns/models/campaign_variant'

/**
 * Workspace A's campaign (route parameter `:campaign`) for the
 * cross-tenant sweep: a draft with one variant, so that every campaign
 * route (edit, audience, preview, send, approve, export…) would have
 * something to act on if the tenant scope leaked.
 */
export async function campaignsParamsOf(workspaceId: number, ownerId: number) {
  return tenancy.run(workspaceId, async () => {
    const channel = await Channel.query().firstOrFail()
    const template = await MessageTemplate.create({
      channelId: channel.id,
      wabaId: channel.wabaId ?? 'sweep-waba',
      name: 'sweep_campaign_template',
      language: 'en',
      category: 'MARKETING',
      parameterFormat: 'positional',
      components: [{ type: 'BODY', text: 'Hello' }],
      status: 'APPROVED',
      approvedEdits: [],
    })
    const campaign = await Campaign.create({
      name: 'Sweep campaign',
      status: 'draft',
      channelId: channel.id,
      audience: { ...EMPTY_AUDIENCE, include: { ...EMPTY_AUDIENCE.include, allContacts: true } },
      replyWindowHours: 72,
      createdBy: ownerId,
    })
    await CampaignVariant.create({
      campaignId: campaign.id,
      label: 'A',
      templateId: template.id,
      variables: {},
      splitPercent: 100,
    })
    return { campaign: campaign.publicId }
  })
}
