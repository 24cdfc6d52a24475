import type { JobContext } from '#core/queue/types'
import { runDispatch } from '#campaigns/dispatch/engine'

export const DISPATCH_JOB = 'campaigns.dispatch'

/** The dispatch job's unique key: one waiting or running copy per campaign. */
export const dispatchJobKey = (campaignId: number) => `campaign-dispatch:${campaignId}`

/**
 * `campaigns.dispatch`: one slice of a campaign's dispatcher (engine.ts).
 * Runs again (same job, unique key kept) while recipients remain: at once
 * after a full slice, later when they wait for a tier window, a backoff or
 * an open circuit.
 */
export async function dispatchCampaignJob(payload: { campaignId: number }, job: JobContext) {
  const outcome = await runDispatch(Number(payload.campaignId))
  if (outcome.state === 'again') return job.releaseAfter(outcome.delayMs)
}
