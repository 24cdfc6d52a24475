import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import ConsentEvent, {
  type ConsentChannel,
  type ConsentEventKind,
  type ConsentScope,
  type ConsentSource,
} from '#contacts/models/consent_event'
import type Contact from '#contacts/models/contact'
import { isUniqueViolation } from '#core/helpers/db_errors'
import { tenancy } from '#core/tenancy/context'

/**
 * The consent registry. Every opt-in and opt-out is appended to
 * `consent_events`; the current status of a contact is derived from that
 * log, never stored beside it. Rules (docs/contacts.md, "Consent"):
 *
 * - the latest event wins, by `occurred_at` (then by id), per contact,
 *   channel and scope, so a late-delivered older notice changes nothing;
 * - marketing with no event: NOT allowed (explicit opt-in required);
 * - utility with no event: allowed; only an explicit opt-out stops it.
 *
 * Everything that sends marketing asks `mayReceiveMarketing()` (one
 * contact) or `marketingAllowed()` (an audience), nothing else.
 */

export type RecordConsentInput = {
  contactId: number
  event: ConsentEventKind
  scope: ConsentScope
  source: ConsentSource
  channel?: ConsentChannel
  proof?: { text?: string | null; ip?: string | null; fileRow?: number | null }
  actorId?: number | null
  messageId?: number | null
  occurredAt?: DateTime
  /**
   * Idempotency key: a second event with the same key in the workspace
   * is not recorded (`record` returns null). Listeners and jobs, which
   * may run twice, always pass one.
   */
  dedupeKey?: string | null
}

export type ConsentStatus = {
  scope: ConsentScope
  /** `none`: no event yet; the default of the scope applies. */
  state: 'opted_in' | 'opted_out' | 'none'
  allowed: boolean
  since: DateTime | null
  source: ConsentSource | null
}

/** Defaults when a contact has no event for a scope. */
export const CONSENT_DEFAULTS: Record<ConsentScope, boolean> = {
  marketing: false,
  utility: true,
}

/** SQLite's bound-variable limit is the tighter one; stay well under it. */
const CHUNK = 500

/** The stored columns of one consent event (proof text capped at 4,000 characters). */
function eventAttributes(input: RecordConsentInput, occurredAt: DateTime) {
  return {
    contactId: input.contactId,
    event: input.event,
    scope: input.scope,
    source: input.source,
    channel: input.channel ?? 'whatsapp',
    proofText: input.proof?.text?.slice(0, 4000) ?? null,
    proofIp: input.proof?.ip ?? null,
    proofFileRow: input.proof?.fileRow ?? null,
    actorId: input.actorId ?? null,
    messageId: input.messageId ?? null,
    occurredAt,
    dedupeKey: input.dedupeKey ?? null,
  }
}

/**
 * Appends one consent event in the current workspace. Returns null when
 * `dedupeKey` was already recorded (a replayed message, a retried job).
 */
export async function recordConsent(input: RecordConsentInput): Promise<ConsentEvent | null> {
  if (input.dedupeKey) {
    const seen = await ConsentEvent.query().where('dedupe_key', input.dedupeKey).first()
    if (seen) return null
  }
  try {
    return await ConsentEvent.create(eventAttributes(input, input.occurredAt ?? DateTime.now()))
  } catch (error) {
    // Two workers racing on the same replay: the other one recorded it.
    if (input.dedupeKey && isUniqueViolation(error)) return null
    throw error
  }
}

/**
 * Records the same event for many contacts of the current workspace in
 * multi-row INSERTs, skipping those whose latest event in that scope is
 * already this one (a bulk opt-out run twice records nothing twice).
 * Returns the contacts it recorded for.
 */
export async function recordConsentForMany(
  contactIds: number[],
  input: Omit<RecordConsentInput, 'contactId' | 'dedupeKey' | 'messageId'>
): Promise<number[]> {
  const states = await consentStates(contactIds, input.scope)
  const already = input.event === 'opt_in' ? 'opted_in' : 'opted_out'
  const ids = [...states].filter(([, state]) => state !== already).map(([id]) => id)
  const occurredAt = input.occurredAt ?? DateTime.now()
  for (let start = 0; start < ids.length; start += CHUNK) {
    await ConsentEvent.createMany(
      ids
        .slice(start, start + CHUNK)
        .map((contactId) => eventAttributes({ ...input, contactId }, occurredAt))
    )
  }
  return ids
}

/**
 * The current status of one contact for one scope, from its latest event.
 */
export async function statusOf(
  contact: Contact | number,
  scope: ConsentScope,
  channel: ConsentChannel = 'whatsapp'
): Promise<ConsentStatus> {
  const contactId = typeof contact === 'number' ? contact : contact.id
  const latest = await ConsentEvent.query()
    .where('contact_id', contactId)
    .where('channel', channel)
    .where('scope', scope)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .first()
  if (!latest) {
    return { scope, state: 'none', allowed: CONSENT_DEFAULTS[scope], since: null, source: null }
  }
  return {
    scope,
    state: latest.event === 'opt_in' ? 'opted_in' : 'opted_out',
    allowed: latest.event === 'opt_in',
    since: latest.occurredAt,
    source: latest.source,
  }
}

/**
 * The one question every marketing sender asks about one contact.
 */
export async function mayReceiveMarketing(contact: Contact | number): Promise<boolean> {
  return (await statusOf(contact, 'marketing')).allowed
}

/**
 * The latest event per contact for `scope`, for many contacts: one query
 * per 500 ids (an anti-join keeps only rows with no later row), served
 * by the (workspace_id, contact_id, channel, scope, occurred_at) index.
 */
async function latestEvents(
  contactIds: number[],
  scope: ConsentScope,
  channel: ConsentChannel
): Promise<Map<number, ConsentEventKind>> {
  const workspaceId = tenancy.workspaceId()
  const latest = new Map<number, ConsentEventKind>()
  const ids = [...new Set(contactIds.map(Number).filter(Number.isFinite))]
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK)
    // Explicitly scoped: a raw query, filtered by the current workspace.
    const rows: { contact_id: number; event: ConsentEventKind }[] = await db
      .from('consent_events as c')
      .select('c.contact_id', 'c.event')
      .where('c.workspace_id', workspaceId)
      .where('c.channel', channel)
      .where('c.scope', scope)
      .whereIn('c.contact_id', chunk)
      .whereNotExists((later) => {
        later
          .from('consent_events as n')
          .select(db.raw('1'))
          .whereColumn('n.workspace_id', 'c.workspace_id')
          .whereColumn('n.contact_id', 'c.contact_id')
          .whereColumn('n.channel', 'c.channel')
          .whereColumn('n.scope', 'c.scope')
          .where((newer) => {
            newer.whereColumn('n.occurred_at', '>', 'c.occurred_at').orWhere((tie) => {
              tie.whereColumn('n.occurred_at', 'c.occurred_at').whereColumn('n.id', '>', 'c.id')
            })
          })
      })
    for (const row of rows) latest.set(Number(row.contact_id), row.event)
  }
  return latest
}

/**
 * The current state of many contacts for one scope, from their latest
 * events (`none`: no event yet; the scope's default applies). For lists
 * and exports; one query per 500 ids.
 */
export async function consentStates(
  contactIds: number[],
  scope: ConsentScope
): Promise<Map<number, ConsentStatus['state']>> {
  const latest = await latestEvents(contactIds, scope, 'whatsapp')
  const states = new Map<number, ConsentStatus['state']>()
  for (const id of contactIds) {
    const event = latest.get(Number(id))
    states.set(
      Number(id),
      event === 'opt_in' ? 'opted_in' : event === 'opt_out' ? 'opted_out' : 'none'
    )
  }
  return states
}

/**
 * The contacts among `contactIds` that may receive marketing now: those
 * whose latest marketing event is an opt-in. Ids of other workspaces or
 * of unknown contacts are never in the result.
 */
export async function marketingAllowed(contactIds: number[]): Promise<Set<number>> {
  const latest = await latestEvents(contactIds, 'marketing', 'whatsapp')
  const allowed = new Set<number>()
  for (const [contactId, event] of latest) if (event === 'opt_in') allowed.add(contactId)
  return allowed
}

/**
 * The contacts among `contactIds` that may receive utility messages:
 * everyone except those whose latest utility event is an opt-out.
 * Unknown ids are filtered out against the contacts table.
 */
export async function utilityAllowed(contactIds: number[]): Promise<Set<number>> {
  const latest = await latestEvents(contactIds, 'utility', 'whatsapp')
  const workspaceId = tenancy.workspaceId()
  const allowed = new Set<number>()
  const ids = [...new Set(contactIds.map(Number).filter(Number.isFinite))]
  for (let start = 0; start < ids.length; start += CHUNK) {
    // Explicitly scoped: only this workspace's contacts.
    const rows: { id: number }[] = await db
      .from('contacts')
      .select('id')
      .where('workspace_id', workspaceId)
      .whereIn('id', ids.slice(start, start + CHUNK))
    for (const row of rows) {
      if (latest.get(Number(row.id)) !== 'opt_out') allowed.add(Number(row.id))
    }
  }
  return allowed
}
