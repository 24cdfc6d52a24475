import type { JobHandler } from '#core/queue/types'
import { prepareCampaign } from '#campaigns/actions/prepare_campaign'
import { pickWinner } from '#campaigns/actions/pick_winner'

/** `campaigns.prepare`: freezes the audience and starts the dispatch. */
export const prepareCampaignJob: JobHandler<{ campaignId: number }> = async (payload) => {
  await prepareCampaign(Number(payload.campaignId))
}

/** `campaigns.pick_winner`: the A/B test phase is over; the rest gets the winner. */
export const pickWinnerJob: JobHandler<{ campaignId: number }> = async (payload) => {
  await pickWinner(Number(payload.campaignId))
}
