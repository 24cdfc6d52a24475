import env from '#start/env'
import { channelMps, DEFAULT_CHANNEL_MPS } from '#channels/rate_limiter'
import { clampMps } from '#channels/pacer'

/**
 * Dispatcher settings. Mutable so tests can shorten the waits.
 *
 * `sendingGraceMs`: how long a recipient may stay `sending` (claimed by a
 * worker that then vanished) before it goes back to `pending`. Meta sends
 * a `sent` (or `failed`) status webhook for every message it accepted, and
 * the dispatcher sends with `biz_opaque_callback_data = cr:<recipient id>`,
 * so a claimed row whose message reached Meta is moved to `sent` by that
 * webhook. A row still `sending` after the grace, with no webhook delivery
 * left to process, was never accepted: resending it is safe. The grace
 * covers the slot wait (≤ 1 s), the HTTP timeout and Meta's webhook
 * latency; 10 minutes by default (CAMPAIGN_SENDING_GRACE_MS).
 */
export const dispatchSettings = {
  sendingGraceMs: env.get('CAMPAIGN_SENDING_GRACE_MS') ?? 10 * 60_000,
  /** Rows claimed at once by one lane. */
  batchSize: 250,
  /** How long one dispatch job runs before it re-queues itself. */
  sliceMs: 55_000,
  /** Attempts for transient errors before a recipient fails. */
  maxAttempts: 5,
  /** Progress broadcasts per campaign at most every… */
  broadcastEveryMs: 500,
}

/**
 * Messages per second for a campaign's channel: `settings.mps` (default
 * 80, at most 1,000).
 */
export function campaignMps(settings: Record<string, unknown> | null | undefined): number {
  return clampMps(channelMps(settings, env.get('CHANNEL_RATE_LIMIT_MPS') ?? DEFAULT_CHANNEL_MPS))
}

/**
 * Meta's messaging limit as a number of unique business-initiated
 * recipients per rolling 24 h: `TIER_250`, `TIER_2K`, `TIER_10K`,
 * `TIER_100K`, `TIER_UNLIMITED`, or a plain number (-1 = unlimited).
 * Null when unknown or unlimited (no cap).
 */
export function parseMessagingLimit(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null
  const text = String(value).trim().toUpperCase()
  if (!text || text.includes('UNLIMITED') || text === '-1') return null
  const match = /^(?:TIER_)?(\d+)(K)?$/.exec(text)
  if (!match) return null
  const n = Number(match[1]) * (match[2] ? 1000 : 1)
  return n > 0 ? n : null
}
