import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import type Campaign from '#campaigns/models/campaign'
import type Channel from '#channels/models/channel'
import { classifyMetaError } from '#channels/meta/error_codes'
import { channelPacer } from '#channels/pacer'
import { recordConsent } from '#contacts/services/consent'
import { sqlDateTime, sqlDateTimeNotBefore } from '#core/helpers/sql_time'
import { dispatchSettings } from '#campaigns/dispatch/settings'
import { bumpCounters, setWaiting, pushProgress } from '#campaigns/dispatch/progress'

/**
 * What happens to one recipient after a refused send (a synchronous API
 * error) or a `failed` status webhook (reference §4.5, §5):
 *
 * - 130429 (number throughput): the pacer is pushed back (nobody sends on
 *   the channel for the wait) and the row is released, attempt not counted;
 * - 131056 (pair limit): this recipient only, retried after 4^(n-1) s;
 * - 131049 (per-user marketing cap): not before 24 h, 3 tries at most;
 * - 131048 (spam limit), 4 / 80007 (API call limits): the whole campaign
 *   holds (every pending recipient's due_at moves) with the reason shown;
 * - 131050 (stopped marketing): an opt-out in the consent registry
 *   (source `error_131050`), and the recipient fails;
 * - 132015 (template paused): the row is released and the campaign pauses
 *   with the reason;
 * - other waits (maintenance…) and transient errors: retried with backoff,
 *   `maxAttempts` at most;
 * - permanent errors: failed, with the code and Meta's reason.
 */

export type RecipientRef = {
  id: number
  contact_id: number
  variant_id: number | null
  attempts: number
  campaignId: number
  /** The claim token for a row being sent; null for webhook updates. */
  token: string | null
  /** Webhook updates: the status the row had when read. */
  fromStatus?: string
}

export type RecipientDecision =
  | { kind: 'release' }
  | { kind: 'fail'; code: number | null; reason: string }
  | { kind: 'skip'; code: number | null; reason: string }
  | { kind: 'retry'; code: number | null; reason: string; retryAfterMs: number }
  | {
      kind: 'meta'
      code: number | null
      reason: string
      action: 'retry' | 'wait' | 'give_up'
      retryAfterMs: number | null
    }

export type Verdict = { holdUntil?: number; stop?: string }

const SENT_STATES = ['sent', 'delivered', 'read']

function guarded(ref: RecipientRef) {
  const query = db.from('campaign_recipients').where('id', ref.id)
  if (ref.token) query.where('claim', ref.token).where('status', 'sending')
  else query.where('status', ref.fromStatus ?? 'sending')
  return query
}

/** A row that was counted as sent is no longer (webhook: rescheduled). */
async function uncountSent(ref: RecipientRef) {
  if (!ref.token && ref.fromStatus && SENT_STATES.includes(ref.fromStatus)) {
    await bumpCounters(ref.campaignId, ref.variant_id, { sent: -1 })
  }
}

async function fail(ref: RecipientRef, code: number | null, reason: string, status = 'failed') {
  const updated = await guarded(ref).update({
    status,
    claim: null,
    error_code: code,
    error_reason: reason.slice(0, 255),
    failed_at: status === 'failed' ? sqlDateTime() : null,
  })
  if (!Number(updated)) return false
  await bumpCounters(
    ref.campaignId,
    ref.variant_id,
    status === 'failed' ? { failed: 1 } : { skipped: 1 }
  )
  return true
}

async function reschedule(
  ref: RecipientRef,
  delayMs: number,
  error: { code: number | null; reason: string } | null,
  countAttempt = true
) {
  const values: Record<string, unknown> = {
    status: 'pending',
    claim: null,
    claimed_at: null,
    due_at:
      delayMs > 0 ? sqlDateTimeNotBefore(DateTime.utc().plus({ milliseconds: delayMs })) : null,
  }
  if (error) {
    values.error_code = error.code
    values.error_reason = error.reason.slice(0, 255)
  }
  if (!countAttempt)
    values.attempts = db.knexRawQuery('CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END')
  if (!ref.token) {
    values.wamid = null
    values.sent_at = null
    values.delivered_at = null
    values.read_at = null
  }
  const updated = await guarded(ref).update(values)
  if (Number(updated)) await uncountSent(ref)
  return Number(updated) > 0
}

/** Every pending recipient of the campaign waits until `until`; the campaign shows why. */
async function holdCampaign(campaign: Campaign, reason: string, until: DateTime) {
  await db
    .from('campaign_recipients')
    .where('workspace_id', campaign.workspaceId)
    .where('campaign_id', campaign.id)
    .where('status', 'pending')
    .where((q) => q.whereNull('due_at').orWhere('due_at', '<', sqlDateTimeNotBefore(until)))
    .update({ due_at: sqlDateTimeNotBefore(until) })
  await setWaiting(campaign.id, reason, until)
  pushProgress(campaign.id)
}

export async function applyRecipientError(
  campaign: Campaign,
  channel: Channel,
  ref: RecipientRef,
  decision: RecipientDecision
): Promise<Verdict> {
  switch (decision.kind) {
    case 'release':
      await reschedule(ref, 0, null, false)
      return {}
    case 'fail':
      await fail(ref, decision.code, decision.reason)
      return {}
    case 'skip':
      await fail(ref, decision.code, decision.reason, 'skipped')
      return {}
    case 'retry':
      if (ref.attempts >= dispatchSettings.maxAttempts) {
        await fail(ref, decision.code, decision.reason)
      } else {
        await reschedule(ref, decision.retryAfterMs, decision)
      }
      return {}
  }

  const code = decision.code
  const classified = classifyMetaError(code, ref.attempts, decision.reason)
  const reason = classified.known
    ? classified.userMessage
    : decision.reason || classified.userMessage
  const action = code === null ? decision.action : classified.action
  const retryAfterMs = classified.retryAfterMs ?? decision.retryAfterMs ?? 5_000

  if (!ref.token && code !== 131050) {
    // A failed webhook after the campaign ended (completed, cancelled):
    // nothing will send again, so the recipient fails with the reason.
    const row = await db.from('campaigns').where('id', campaign.id).select('status').first()
    if (!row || !['running', 'paused'].includes(String(row.status))) {
      await fail(ref, code, reason)
      return {}
    }
  }

  if (code === 131050) {
    try {
      await recordConsent({
        contactId: ref.contact_id,
        event: 'opt_out',
        scope: 'marketing',
        source: 'error_131050',
        proof: { text: reason },
        dedupeKey: `error_131050:cr:${ref.id}`,
      })
    } catch (error) {
      logger.error({ err: error, recipientId: ref.id }, 'campaigns: recording 131050 failed')
    }
    await fail(ref, code, reason)
    return {}
  }
  if (code === 132015) {
    await reschedule(ref, 0, { code, reason }, false)
    const { pauseWithReason } = await import('#campaigns/dispatch/engine')
    await pauseWithReason(campaign, `${code}: ${reason}`)
    return { stop: 'paused' }
  }
  if (code === 130429) {
    await channelPacer.pushBack(channel.id, retryAfterMs)
    await reschedule(ref, 0, { code, reason }, false)
    return { holdUntil: Date.now() + retryAfterMs }
  }
  if (code === 131056) {
    // Meta: retry after 4^X seconds for this pair; other recipients go on.
    if (ref.attempts >= 6) {
      await fail(ref, code, reason)
      return {}
    }
    await reschedule(ref, 4 ** Math.max(0, ref.attempts - 1) * 1000, { code, reason })
    return {}
  }
  if (code === 131049) {
    if (ref.attempts >= 3) {
      await fail(ref, code, reason)
      return {}
    }
    await reschedule(ref, Math.max(24 * 3600_000, retryAfterMs), { code, reason })
    return {}
  }
  if (code === 131048 || code === 4 || code === 80007) {
    const until = DateTime.utc().plus({ milliseconds: retryAfterMs })
    await reschedule(ref, retryAfterMs, { code, reason }, false)
    await holdCampaign(campaign, code === 131048 ? 'spam_limit' : 'api_limit', until)
    return { holdUntil: until.toMillis() }
  }
  if (action === 'give_up') {
    await fail(ref, code, reason)
    return {}
  }
  // Transient errors and other waits (maintenance…): bounded retries.
  if (ref.attempts >= dispatchSettings.maxAttempts) {
    await fail(ref, code, reason)
    return {}
  }
  await reschedule(ref, retryAfterMs, { code, reason })
  return {}
}
