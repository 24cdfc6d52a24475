import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { RawQueryBindings } from '@adonisjs/lucid/types/querybuilder'
import logger from '@adonisjs/core/services/logger'
import Campaign from '#campaigns/models/campaign'
import CampaignVariant from '#campaigns/models/campaign_variant'
import Channel from '#channels/models/channel'
import MessageTemplate from '#templates/models/message_template'
import { ChannelSendError, type ChannelDriver, type ChannelCredentials } from '#channels/driver'
import { channelDrivers } from '#channels/registry'
import { campaignDriverFor } from '#campaigns/dispatch/transport'
import { circuitBreaker, CircuitOpenError, isTransientFailure } from '#channels/circuit_breaker'
import { channelPacer, sleep, type SendWindow } from '#channels/pacer'
import { sqlDateTime, sqlDateTimeNotBefore, fromStored } from '#core/helpers/sql_time'
import { buildSendComponents, resolveValues, templateVariables } from '#templates/services/render'
import type { TemplateVariable } from '#templates/services/render'
import { contactValuesFor } from '#templates/services/contact_values'
import { consentStates } from '#contacts/services/consent'
import { approvedTemplateById, TemplateNotApprovedException } from '#templates/services/guard'
import { campaignMps, dispatchSettings, parseMessagingLimit } from '#campaigns/dispatch/settings'
import {
  bumpCounters,
  notifyCreator,
  pushListChanged,
  pushProgress,
  recountCounters,
  setWaiting,
} from '#campaigns/dispatch/progress'
import { applyRecipientError, type RecipientRef } from '#campaigns/dispatch/outcomes'

/**
 * The campaign dispatcher (issue 7 §2 "Dispatch" and "Exactly once").
 *
 * One `campaigns.dispatch` job per campaign (unique key) runs a few lanes
 * in parallel; each lane loops:
 *
 * 1. claim: pick up to `batchSize` due pending ids, then
 *    `UPDATE … SET status='sending', claim=<token> WHERE id IN (…) AND
 *    status='pending'` and read back the rows holding its token: two
 *    workers never hold the same row (works on SQLite and MariaDB);
 * 2. values: the contacts' values in one batched query, the template's
 *    components per recipient;
 * 3. pace: slots from the shared channel pacer (any one-second window ≤
 *    the channel's mps, whoever sends on it, inbox included), each send
 *    leaves at its slot, many in flight at once over keep-alive;
 * 4. record: accepted sends in one bulk UPDATE (`sent`, wamid), counters
 *    in aggregate; errors by Meta code (outcomes.ts).
 *
 * Every send carries `biz_opaque_callback_data = cr:<recipient id>`: a
 * status webhook names the recipient even when the worker died before
 * storing the wamid (status.ts). Rows left `sending` by a dead worker go
 * back to pending after `sendingGraceMs` when no webhook says otherwise.
 *
 * Campaign sends create no inbox messages; the contact's campaign history
 * is read from campaign_recipients.
 */

export type DispatchOutcome =
  { state: 'done' } | { state: 'again'; delayMs: number } | { state: 'stopped' }

type ClaimedRow = {
  id: number
  contact_id: number
  variant_id: number
  attempts: number
}

type VariantPlan = {
  id: number
  template: MessageTemplate
  variables: TemplateVariable[]
  mapping: CampaignVariant['variables']
}

type Context = {
  campaign: Campaign
  channel: Channel
  driver: ChannelDriver
  credentials: ChannelCredentials
  mps: number
  variants: Map<number, VariantPlan>
  deadline: number
  stop: string | null
  /** Held until (epoch ms) when a lane hit a wait that concerns the whole campaign. */
  holdUntil: number
  /** The messaging limit is reached until (epoch ms): no new claims. */
  tierUntil: number
  cap: { limit: number; wabaChannelIds: number[] } | null
  /** This round's send is the circuit breaker's half-open probe. */
  probe: boolean
  /** A transient failure was recorded on the breaker during this run. */
  breakerFailures: boolean
  /** Serializes tier counting and claiming between lanes (messaging limit only). */
  claimLock: Promise<void>
  /** This process's sends in flight or answered in the last second on the channel. */
  window: SendWindow
  /** The campaign's status, read at most every STATUS_EVERY_MS for all lanes. */
  statusAt: number
  statusCheck: Promise<void>
  stats: { sent: number; lateSlots: number; windowWaits: number }
}

let tokenSeq = 0
function claimToken() {
  tokenSeq = (tokenSeq + 1) % 1_000_000
  return `${process.pid}.${randomBytes(6).toString('hex')}.${tokenSeq}`
}

const nowSql = () => sqlDateTime(DateTime.utc())

/** Recipients still `sending` after the grace, with no webhook backlog left, go back to pending. */
export async function reconcileStaleSending(campaign: Campaign): Promise<number> {
  const cutoff = sqlDateTime(
    DateTime.utc().minus({ milliseconds: dispatchSettings.sendingGraceMs })
  )
  const stale = await db
    .from('campaign_recipients')
    .where('workspace_id', campaign.workspaceId)
    .where('campaign_id', campaign.id)
    .where('status', 'sending')
    .where('claimed_at', '<', cutoff)
    .count('* as n')
    .first()
  if (!Number(stale?.n ?? 0)) return 0
  // A status webhook received but not yet applied could prove a send:
  // wait until the ingestor has caught up.
  const backlog = await db.from('webhook_events').where('status', 'pending').count('* as n').first()
  if (Number(backlog?.n ?? 0) > 0) return 0
  const reset = await db
    .from('campaign_recipients')
    .where('workspace_id', campaign.workspaceId)
    .where('campaign_id', campaign.id)
    .where('status', 'sending')
    .where('claimed_at', '<', cutoff)
    .update({ status: 'pending', claim: null, claimed_at: null })
  if (Number(reset)) {
    logger.info(
      { campaignId: campaign.id, rows: Number(reset) },
      'campaigns: stale claims released'
    )
  }
  return Number(reset)
}

async function loadContext(campaign: Campaign): Promise<Context | string | { pause: string }> {
  if (!campaign.channelId) return 'The campaign has no channel.'
  const channel = await Channel.find(campaign.channelId)
  if (!channel) return 'The campaign’s channel was deleted.'
  const variantRows = await CampaignVariant.query().where('campaign_id', campaign.id)
  const variants = new Map<number, VariantPlan>()
  for (const variant of variantRows) {
    let template: MessageTemplate
    try {
      // The guard every send path uses: APPROVED, or the reason why not.
      template = await approvedTemplateById(variant.templateId, { fresh: true })
    } catch (error) {
      if (!(error instanceof TemplateNotApprovedException)) throw error
      const stored = await MessageTemplate.find(variant.templateId)
      // Paused by Meta: the campaign waits for the owner, it does not fail.
      return stored?.status === 'PAUSED' ? { pause: error.message } : error.message
    }
    variants.set(variant.id, {
      id: variant.id,
      template,
      variables: templateVariables(template),
      mapping: variant.variables,
    })
  }
  let cap: Context['cap'] = null
  const limit = parseMessagingLimit(channel.messagingLimit)
  if (limit !== null) {
    const ids = channel.wabaId
      ? (
          await db
            .from('channels')
            .where('workspace_id', campaign.workspaceId)
            .where('waba_id', channel.wabaId)
            .select('id')
        ).map((row) => Number(row.id))
      : [channel.id]
    cap = { limit, wabaChannelIds: ids }
  }
  return {
    campaign,
    channel,
    driver: campaignDriverFor(channelDrivers.get(channel.driver)),
    credentials: channel.credentials(),
    mps: campaignMps(channel.settings),
    variants,
    deadline: Date.now() + dispatchSettings.sliceMs,
    stop: null,
    holdUntil: 0,
    tierUntil: 0,
    cap,
    probe: false,
    breakerFailures: false,
    claimLock: Promise.resolve(),
    window: channelPacer.window(channel.id, campaignMps(channel.settings)),
    statusAt: 0,
    statusCheck: Promise.resolve(),
    stats: { sent: 0, lateSlots: 0, windowWaits: 0 },
  }
}

/**
 * Unique business-initiated recipients of the portfolio (the channels of
 * the workspace sharing the WABA) in the last 24 h, from campaign sends.
 */
async function recipientsInWindow(ctx: Context) {
  const since = sqlDateTime(DateTime.utc().minus({ hours: 24 }))
  const workspaceId = ctx.campaign.workspaceId
  const channelIds = ctx.cap!.wabaChannelIds
  // Campaign sends in the window, or being sent right now (claimed, not yet recorded)…
  const campaignSends = db
    .from('campaign_recipients')
    .join('campaigns', 'campaigns.id', 'campaign_recipients.campaign_id')
    .where('campaign_recipients.workspace_id', workspaceId)
    .whereIn('campaigns.channel_id', channelIds)
    .where((q) =>
      q
        .where('campaign_recipients.sent_at', '>=', since)
        .orWhere('campaign_recipients.status', 'sending')
    )
    .select('campaign_recipients.contact_id as contact_id', 'campaign_recipients.sent_at as at')
    .toSQL()
  // …and templates sent from the inbox (each opens a business-initiated
  // conversation too, so it uses up the same tier).
  const inboxTemplates = db
    .from('messages')
    .join('conversations', 'conversations.id', 'messages.conversation_id')
    .where('messages.workspace_id', workspaceId)
    .whereIn('messages.channel_id', channelIds)
    .where('messages.direction', 'out')
    .where('messages.type', 'template')
    .whereNot('messages.status', 'failed')
    .where('messages.created_at', '>=', since)
    .select('conversations.contact_id as contact_id', 'messages.created_at as at')
    .toSQL()
  const result = await db.rawQuery(
    `SELECT COUNT(DISTINCT contact_id) AS n, MIN(at) AS oldest FROM (${campaignSends.sql} UNION ALL ${inboxTemplates.sql}) tier_window`,
    [...campaignSends.bindings, ...inboxTemplates.bindings] as unknown as RawQueryBindings
  )
  // mysql2 answers [rows, fields], sqlite3 the rows.
  const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as {
    n: number | string
    oldest: unknown
  }[]
  const row = rows[0]
  return { used: Number(row?.n ?? 0), oldest: fromStored(row?.oldest) }
}

/** Runs `fn` alone among the lanes of this run when the channel has a messaging limit. */
function withClaimLock<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  if (!ctx.cap) return fn()
  const run = ctx.claimLock.then(fn)
  ctx.claimLock = run.then(
    () => undefined,
    () => undefined
  )
  return run
}

/** How many rows the lane may claim now under the messaging limit (Infinity: no cap). */
async function tierRoom(ctx: Context, wanted: number): Promise<number> {
  if (!ctx.cap) return wanted
  const { used, oldest } = await recipientsInWindow(ctx)
  const room = ctx.cap.limit - used
  if (room > 0) return Math.min(room, wanted)
  // At the cap: everything pending waits until the oldest send leaves the window.
  const until = (oldest ?? DateTime.utc()).plus({ hours: 24, minutes: 1 })
  await db
    .from('campaign_recipients')
    .where('workspace_id', ctx.campaign.workspaceId)
    .where('campaign_id', ctx.campaign.id)
    .where('status', 'pending')
    .where((q) => q.whereNull('due_at').orWhere('due_at', '<', sqlDateTimeNotBefore(until)))
    .update({ due_at: sqlDateTimeNotBefore(until) })
  await setWaiting(ctx.campaign.id, 'messaging_limit', until)
  pushProgress(ctx.campaign.id)
  // Rows already claimed still go out; no new claims until the window frees.
  ctx.tierUntil = Math.max(ctx.tierUntil, until.toMillis())
  return 0
}

async function claim(
  ctx: Context,
  limit: number
): Promise<{ token: string; rows: ClaimedRow[]; found: number }> {
  const token = claimToken()
  const { campaign } = ctx
  const ids = (
    await db
      .from('campaign_recipients')
      .where('workspace_id', campaign.workspaceId)
      .where('campaign_id', campaign.id)
      .where('status', 'pending')
      .whereNotNull('variant_id')
      .where((q) => q.whereNull('due_at').orWhere('due_at', '<=', nowSql()))
      .orderBy('id')
      .limit(limit)
      .select('id')
  ).map((row) => Number(row.id))
  if (!ids.length) return { token, rows: [], found: 0 }
  await db
    .from('campaign_recipients')
    .whereIn('id', ids)
    .where('status', 'pending')
    .update({
      status: 'sending',
      claim: token,
      claimed_at: nowSql(),
      attempts: db.knexRawQuery('attempts + 1'),
    })
  const rows = await db
    .from('campaign_recipients')
    .where('campaign_id', campaign.id)
    .where('claim', token)
    .where('status', 'sending')
    .select('id', 'contact_id', 'variant_id', 'attempts')
  return {
    token,
    found: ids.length,
    rows: rows.map((row) => ({
      id: Number(row.id),
      contact_id: Number(row.contact_id),
      variant_id: Number(row.variant_id),
      attempts: Number(row.attempts),
    })),
  }
}

type Addressed = ClaimedRow & { to: string; components: Record<string, unknown>[] }

/** Builds each message; recipients that cannot be addressed fail now with the reason. */
/**
 * Consent is asked again at send time: the audience was frozen with the
 * consent of that moment, and a STOP (or Meta's user_preferences) can
 * arrive in between (tier windows, local times, an A/B rest phase hours
 * later). Marketing templates need no marketing opt-out in effect, the
 * others no utility opt-out.
 */
async function optedOut(ctx: Context, rows: ClaimedRow[]): Promise<Set<number>> {
  const byScope = { marketing: [] as number[], utility: [] as number[] }
  for (const row of rows) {
    const category = ctx.variants.get(row.variant_id)?.template.category
    if (category) byScope[category === 'MARKETING' ? 'marketing' : 'utility'].push(row.contact_id)
  }
  const out = new Set<number>()
  for (const scope of ['marketing', 'utility'] as const) {
    if (!byScope[scope].length) continue
    for (const [id, state] of await consentStates(byScope[scope], scope)) {
      if (state === 'opted_out') out.add(id)
    }
  }
  return out
}

async function prepare(ctx: Context, token: string, rows: ClaimedRow[]): Promise<Addressed[]> {
  const contactIds = rows.map((row) => row.contact_id)
  const [values, addresses, withdrawn] = await Promise.all([
    contactValuesFor(contactIds),
    db
      .from('contacts')
      .whereIn('id', contactIds)
      .where('workspace_id', ctx.campaign.workspaceId)
      .select('id', 'wa_id', 'bsuid', 'phone'),
    optedOut(ctx, rows),
  ])
  const addressOf = new Map(
    addresses.map((row) => [Number(row.id), (row.wa_id ?? row.bsuid ?? row.phone) as string | null])
  )
  const ready: Addressed[] = []
  for (const row of rows) {
    const plan = ctx.variants.get(row.variant_id)
    const to = addressOf.get(row.contact_id)
    const ref: RecipientRef = { ...row, token, campaignId: ctx.campaign.id }
    if (!plan) {
      await applyRecipientError(ctx.campaign, ctx.channel, ref, {
        kind: 'fail',
        code: null,
        reason: 'The variant of this recipient was deleted.',
      })
      continue
    }
    if (!to) {
      await applyRecipientError(ctx.campaign, ctx.channel, ref, {
        kind: 'fail',
        code: null,
        reason: 'The contact has neither a WhatsApp number nor a WhatsApp user id.',
      })
      continue
    }
    if (withdrawn.has(row.contact_id)) {
      await applyRecipientError(ctx.campaign, ctx.channel, ref, {
        kind: 'skip',
        code: null,
        reason: 'The contact opted out after the audience was prepared.',
      })
      continue
    }
    const contact = values.get(row.contact_id) ?? { fields: {}, custom: {} }
    const resolved = resolveValues(plan.mapping, plan.variables, contact)
    if (resolved.missing.length) {
      await applyRecipientError(ctx.campaign, ctx.channel, ref, {
        kind: 'skip',
        code: null,
        reason: `No value for ${resolved.missing.join(', ')} and no fallback.`,
      })
      continue
    }
    ready.push({ ...row, to, components: buildSendComponents(plan.template, resolved.values) })
  }
  return ready
}

type SendOutcome = { row: Addressed; wamid: string } | { row: Addressed; error: unknown }

async function sendOne(ctx: Context, row: Addressed): Promise<SendOutcome> {
  const plan = ctx.variants.get(row.variant_id)!
  try {
    const result = await ctx.driver.send(ctx.credentials, {
      to: row.to,
      content: {
        type: 'template',
        name: plan.template.name,
        language: plan.template.language,
        components: row.components.length ? row.components : undefined,
      },
      callbackData: `cr:${row.id}`,
    })
    ctx.stats.sent++
    return { row, wamid: result.providerMessageId }
  } catch (error) {
    // The circuit breaker counts transient failures (network, 5xx).
    if (isTransientFailure(error)) {
      ctx.breakerFailures = true
      await circuitBreaker.recordFailure(ctx.channel.id, ctx.probe)
    }
    return { row, error }
  }
}

/**
 * A send that fires later than this after its slot (an event-loop stall)
 * gives the slot up and takes a fresh one: sends stay within LATE_MS of
 * their slots, so with the pacer's margin (2 %) no one-second window of
 * departures can hold more than the limit, whichever processes send —
 * (1000 + 20) ms / (1000 / (0.98 × mps)) ms = 0.9996 × mps.
 */
const LATE_MS = 20

/**
 * Waits for the slot at `at`, then for room in this process's send window
 * (SendWindow: the limit where Meta counts). Resolves with the send
 * counted in the window; the caller calls `ctx.window.finish()` once the
 * answer is read.
 */
async function onTime(ctx: Context, at: number) {
  for (;;) {
    const wait = at - Date.now()
    if (wait > 0) await sleep(wait)
    const now = Date.now()
    if (now - at <= LATE_MS) {
      const hold = ctx.window.tryStart(now)
      if (hold === 0) return
      ctx.stats.windowWaits++
      await sleep(hold)
      continue
    }
    ctx.stats.lateSlots++
    const fresh = await channelPacer.reserve(ctx.channel.id, ctx.mps, 1, 2000)
    at = fresh.at
    if (!fresh.granted) {
      await sleep(fresh.waitUs / 1000)
      at = Number.NEGATIVE_INFINITY
    }
  }
}

/** Sends `row` at its slot; the window counts it until its answer is read. */
async function sendAt(ctx: Context, at: number, row: Addressed): Promise<SendOutcome> {
  await onTime(ctx, at)
  try {
    return await sendOne(ctx, row)
  } finally {
    ctx.window.finish()
  }
}

/** How often the lanes read the campaign's status (pause, cancel) while sending. */
const STATUS_EVERY_MS = 250

/** False once the campaign is no longer running (read at most every STATUS_EVERY_MS, shared). */
async function stillRunning(ctx: Context): Promise<boolean> {
  if (Date.now() - ctx.statusAt >= STATUS_EVERY_MS) {
    ctx.statusAt = Date.now()
    ctx.statusCheck = campaignStatus(ctx.campaign.id).then((status) => {
      if (status !== 'running') ctx.stop = status ?? 'deleted'
    })
  }
  await ctx.statusCheck
  return !ctx.stop
}

/**
 * The breaker, asked once per round of slots (not per send): open → the
 * lane holds (its unsent rows go back to pending); half-open → one probe
 * send only.
 */
async function breakerGate(ctx: Context): Promise<number> {
  try {
    const { probe } = await circuitBreaker.acquire(ctx.channel.id)
    ctx.probe = probe
    return probe ? 1 : Number.POSITIVE_INFINITY
  } catch (error) {
    if (!(error instanceof CircuitOpenError)) throw error
    ctx.holdUntil = Math.max(ctx.holdUntil, Date.now() + (error.retryAfterMs ?? 30_000))
    await setWaiting(ctx.campaign.id, 'circuit_open', DateTime.fromMillis(ctx.holdUntil))
    return 0
  }
}

/** Sends every row at its pacer slot; resolves when all have answered. */
async function sendPaced(ctx: Context, rows: Addressed[]): Promise<SendOutcome[]> {
  const inFlight: Promise<SendOutcome>[] = []
  let next = 0
  while (next < rows.length) {
    // Paused or cancelled mid-batch: stop taking slots.
    if (!(await stillRunning(ctx)) || ctx.holdUntil > Date.now()) break
    const allowed = await breakerGate(ctx)
    if (!allowed) break
    const wanted = Math.min(rows.length - next, allowed)
    const slot = await channelPacer.reserve(ctx.channel.id, ctx.mps, wanted, 500)
    const base = slot.at
    if (!slot.granted) {
      await sleep(slot.waitUs / 1000)
      continue
    }
    for (let i = 0; i < slot.granted; i++) {
      const row = rows[next++]
      const at = base + (i * slot.intervalUs) / 1000
      inFlight.push(sendAt(ctx, at, row))
    }
    if (ctx.probe) {
      // Half-open: the probe's answer decides before anything else goes.
      const results = await Promise.all(inFlight)
      const probe = results[results.length - 1]
      if ('wamid' in probe || !isTransientFailure(probe.error)) {
        await circuitBreaker.recordSuccess(ctx.channel.id)
        ctx.breakerFailures = false
      }
      ctx.probe = false
      continue
    }
    // Reserve the next slots shortly before these run out.
    const lastAt = base + ((slot.granted - 1) * slot.intervalUs) / 1000
    const ahead = lastAt - Date.now() - 200
    if (ahead > 0) await sleep(ahead)
  }
  const outcomes = await Promise.all(inFlight)
  // Rows never sent (paused or cancelled mid-batch) go back to pending, or are cancelled.
  const unsent = rows.slice(next)
  if (unsent.length) {
    await db
      .from('campaign_recipients')
      .whereIn(
        'id',
        unsent.map((row) => row.id)
      )
      .where('status', 'sending')
      .update({
        status: ctx.stop === 'cancelled' ? 'cancelled' : 'pending',
        error_reason: ctx.stop === 'cancelled' ? 'Campaign cancelled' : null,
        claim: null,
        claimed_at: null,
        attempts: db.knexRawQuery('attempts - 1'),
      })
  }
  return outcomes
}

/** Accepted sends: one UPDATE per variant, counters in aggregate. */
async function recordSent(ctx: Context, token: string, sent: { row: Addressed; wamid: string }[]) {
  if (!sent.length) return
  const at = nowSql()
  const byVariant = new Map<number, { row: Addressed; wamid: string }[]>()
  for (const entry of sent) {
    const list = byVariant.get(entry.row.variant_id) ?? []
    list.push(entry)
    byVariant.set(entry.row.variant_id, list)
  }
  const doneMarker = `${token}:s`
  for (const [variantId, entries] of byVariant) {
    for (let i = 0; i < entries.length; i += 200) {
      const chunk = entries.slice(i, i + 200)
      const cases = chunk.map(() => 'WHEN ? THEN ?').join(' ')
      const bindings = chunk.flatMap((entry) => [entry.row.id, entry.wamid])
      const ids = chunk.map((entry) => entry.row.id)
      const updated = Number(
        await db
          .from('campaign_recipients')
          .whereIn('id', ids)
          .where('claim', token)
          .where('status', 'sending')
          .update({
            status: 'sent',
            wamid: db.knexRawQuery(`CASE id ${cases} END`, bindings),
            sent_at: at,
            claim: doneMarker,
            error_code: null,
            error_reason: null,
          })
      )
      if (!updated) continue
      // A status webhook may have moved some rows first (it counted them).
      const contactIds =
        updated === chunk.length
          ? chunk.map((entry) => entry.row.contact_id)
          : (
              await db
                .from('campaign_recipients')
                .whereIn('id', ids)
                .where('claim', doneMarker)
                .select('contact_id')
            ).map((row) => Number(row.contact_id))
      await bumpCounters(ctx.campaign.id, variantId, { sent: updated })
      await db
        .from('contacts')
        .whereIn('id', contactIds)
        .update({
          campaigns_received: db.knexRawQuery('campaigns_received + 1'),
          last_outbound_at: at,
        })
    }
  }
}

async function campaignStatus(campaignId: number): Promise<string | null> {
  const row = await db.from('campaigns').where('id', campaignId).select('status').first()
  return row ? String(row.status) : null
}

/**
 * One lane: claim → prepare → send at the pacer's slots → record, in a
 * loop. Recording a batch that went out without an error overlaps with the
 * next batch (one recording in flight per lane); batches with errors, a
 * tier cap or a breaker probe are settled before the next claim.
 */
async function lane(ctx: Context) {
  let recording: Promise<void> = Promise.resolve()
  let recordError: unknown = null
  try {
    await laneLoop(ctx, (token, sent) => {
      recording = recording
        .then(() => recordSent(ctx, token, sent))
        .catch((error) => {
          recordError ??= error
        })
      return recording
    })
  } finally {
    await recording
  }
  if (recordError) throw recordError
}

async function laneLoop(
  ctx: Context,
  recordLater: (token: string, sent: { row: Addressed; wamid: string }[]) => Promise<void>
) {
  let previous: Promise<void> = Promise.resolve()
  while (!ctx.stop && Date.now() < ctx.deadline && Date.now() >= ctx.holdUntil) {
    if (!(await stillRunning(ctx))) break
    // Under a messaging limit, lanes count and claim one at a time.
    const claimed = await withClaimLock(ctx, async () => {
      const room = await tierRoom(ctx, dispatchSettings.batchSize)
      return room > 0 ? claim(ctx, room) : null
    })
    if (!claimed || !claimed.found) break
    // Another lane or worker took these rows first: look again.
    if (!claimed.rows.length) continue
    const { token, rows } = claimed
    const ready = await prepare(ctx, token, rows)
    const outcomes = await sendPaced(ctx, ready)
    // At most one recording in flight per lane.
    await previous
    if (
      !ctx.cap &&
      !ctx.probe &&
      !ctx.breakerFailures &&
      outcomes.every((outcome) => 'wamid' in outcome)
    ) {
      previous = recordLater(token, outcomes as { row: Addressed; wamid: string }[])
      continue
    }
    const sent: { row: Addressed; wamid: string }[] = []
    for (const outcome of outcomes) {
      if ('wamid' in outcome) {
        sent.push(outcome)
        continue
      }
      const error = outcome.error
      const ref: RecipientRef = { ...outcome.row, token, campaignId: ctx.campaign.id }
      if (error instanceof CircuitOpenError) {
        await applyRecipientError(ctx.campaign, ctx.channel, ref, { kind: 'release' })
        ctx.holdUntil = Math.max(ctx.holdUntil, Date.now() + (error.retryAfterMs ?? 30_000))
        await setWaiting(ctx.campaign.id, 'circuit_open', DateTime.fromMillis(ctx.holdUntil))
        continue
      }
      const verdict = await applyRecipientError(
        ctx.campaign,
        ctx.channel,
        ref,
        classifySendError(error, outcome.row.attempts)
      )
      if (verdict.holdUntil) ctx.holdUntil = Math.max(ctx.holdUntil, verdict.holdUntil)
      if (verdict.stop) ctx.stop = verdict.stop
    }
    await recordSent(ctx, token, sent)
    // Meta answered (accepted, or a non-transient refusal): the channel is reachable.
    const answered = outcomes.some(
      (outcome) => 'wamid' in outcome || !isTransientFailure(outcome.error)
    )
    if (answered && (ctx.breakerFailures || ctx.probe)) {
      await circuitBreaker.recordSuccess(ctx.channel.id)
      ctx.breakerFailures = false
      ctx.probe = false
    }
  }
}

/** A send error as the recipient-level decision (outcomes.ts applies it). */
export function classifySendError(
  error: unknown,
  attempt: number
): Parameters<typeof applyRecipientError>[3] {
  if (!(error instanceof ChannelSendError)) {
    logger.warn({ err: error }, 'campaigns: unexpected send error')
    return {
      kind: 'retry',
      code: null,
      reason: error instanceof Error ? error.message : String(error),
      retryAfterMs: 5_000 * 2 ** Math.max(0, attempt - 1),
    }
  }
  return {
    kind: 'meta',
    code: error.code,
    reason: error.message,
    action: error.action,
    retryAfterMs: error.retryAfterMs,
  }
}

/**
 * One run of a campaign's dispatcher (the `campaigns.dispatch` job):
 * `lanes` parallel loops until nothing is due, the slice ends, or the
 * campaign stops. Returns whether (and when) to run again; completes the
 * campaign when every recipient reached a final state.
 */
export async function runDispatch(
  campaignId: number,
  options: { lanes?: number } = {}
): Promise<DispatchOutcome> {
  const campaign = await Campaign.find(campaignId)
  if (!campaign || campaign.status !== 'running') return { state: 'stopped' }
  await reconcileStaleSending(campaign)

  const loaded = await loadContext(campaign)
  if (typeof loaded === 'string') {
    await failCampaign(campaign, loaded)
    return { state: 'stopped' }
  }
  if ('pause' in loaded) {
    await pauseWithReason(campaign, loaded.pause)
    return { state: 'stopped' }
  }
  const ctx = loaded
  await setWaiting(campaign.id, null)
  const lanes = options.lanes ?? Math.min(8, Math.max(1, Math.ceil(ctx.mps / 125)))
  const started = Date.now()
  await Promise.all(Array.from({ length: lanes }, () => lane(ctx)))
  pushProgress(campaign.id)
  logger.info(
    { campaignId: campaign.id, ms: Date.now() - started, lanes, ...ctx.stats },
    'campaigns: dispatch slice done'
  )

  if (ctx.stop) {
    return { state: 'stopped' }
  }
  const holdUntil = Math.max(ctx.holdUntil, ctx.tierUntil)
  if (holdUntil > Date.now()) return { state: 'again', delayMs: holdUntil - Date.now() }
  if (Date.now() >= ctx.deadline) return { state: 'again', delayMs: 0 }
  return settle(campaign)
}

/** After a run: what is left decides between completing and running again. */
export async function settle(campaign: Campaign): Promise<DispatchOutcome> {
  const base = () =>
    db
      .from('campaign_recipients')
      .where('workspace_id', campaign.workspaceId)
      .where('campaign_id', campaign.id)
  const [sending, waitingWinner, due, nextDue] = await Promise.all([
    base().where('status', 'sending').count('* as n').first(),
    base().where('status', 'pending').whereNull('variant_id').count('* as n').first(),
    base()
      .where('status', 'pending')
      .whereNotNull('variant_id')
      .where((q) => q.whereNull('due_at').orWhere('due_at', '<=', nowSql()))
      .count('* as n')
      .first(),
    base().where('status', 'pending').whereNotNull('variant_id').min('due_at as at').first(),
  ])
  if (Number(due?.n ?? 0) > 0) return { state: 'again', delayMs: 0 }
  if (Number(sending?.n ?? 0) > 0) {
    return { state: 'again', delayMs: Math.min(5_000, dispatchSettings.sendingGraceMs) }
  }
  const next = fromStored(nextDue?.at)
  if (next) return { state: 'again', delayMs: Math.max(0, next.toMillis() - Date.now()) + 500 }
  if (Number(waitingWinner?.n ?? 0) > 0) return { state: 'done' }
  await completeCampaign(campaign)
  return { state: 'done' }
}

export async function completeCampaign(campaign: Campaign) {
  const updated = await db
    .from('campaigns')
    .where('id', campaign.id)
    .where('status', 'running')
    .update({
      status: 'completed',
      completed_at: nowSql(),
      waiting_reason: null,
      waiting_until: null,
      updated_at: nowSql(),
    })
  if (!Number(updated)) return
  await recountCounters(campaign.id)
  await campaign.refresh()
  pushProgress(campaign.id, true)
  await pushListChanged(campaign)
  await notifyCreator(campaign, 'campaign.completed')
}

/** The campaign cannot send at all (no channel, template not approved…). */
export async function failCampaign(campaign: Campaign, reason: string) {
  const updated = await db
    .from('campaigns')
    .where('id', campaign.id)
    .whereIn('status', ['running', 'preparing', 'scheduled'])
    .update({ status: 'failed', failure_reason: reason.slice(0, 1000), updated_at: nowSql() })
  if (!Number(updated)) return
  await campaign.refresh()
  pushProgress(campaign.id, true)
  await pushListChanged(campaign)
  await notifyCreator(campaign, 'campaign.failed', reason)
}

/** Pauses a running campaign with a reason (template paused by Meta, spam limit). */
export async function pauseWithReason(campaign: Campaign, reason: string) {
  const updated = await db
    .from('campaigns')
    .where('id', campaign.id)
    .where('status', 'running')
    .update({ status: 'paused', failure_reason: reason.slice(0, 1000), updated_at: nowSql() })
  if (!Number(updated)) return
  await campaign.refresh()
  pushProgress(campaign.id, true)
  await pushListChanged(campaign)
  await notifyCreator(campaign, 'campaign.paused', reason)
}
