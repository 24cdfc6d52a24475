import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Segment from '#contacts/models/segment'
import { segmentFilter } from '#contacts/segments/compile'
import { marketingAllowed, utilityAllowed } from '#contacts/services/consent'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'
import type Campaign from '#campaigns/models/campaign'
import type { CampaignAudience } from '#campaigns/types'
import type { TemplateCategory } from '#templates/types'

/**
 * Audience resolution (issue 7 §2): the campaign's include sources
 * (segments, tags, the uploaded list, all contacts) OR-ed into one WHERE
 * clause over `contacts` minus the exclusions, read in ascending id pages
 * (keyset) so that a million-contact workspace is never held in memory;
 * one query over `contacts` removes duplicates by construction.
 *
 * Each page is then classified: contacts that cannot receive the
 * campaign keep a reason (`erased`, `no_phone`, `no_consent`,
 * `frequency_cap`) and become `skipped` recipient rows; nothing is
 * dropped silently.
 */

export type SkipReason = 'erased' | 'no_phone' | 'no_consent' | 'frequency_cap'
export const SKIP_REASONS: SkipReason[] = ['erased', 'no_phone', 'no_consent', 'frequency_cap']

export type AudienceContact = {
  id: number
  publicId: string
  name: string
  phone: string | null
  timezone: string | null
  skip: SkipReason | null
}

export type AudienceRules = {
  /** MARKETING needs a marketing opt-in; the others only no utility opt-out. */
  category: TemplateCategory
  /** Hours of the marketing frequency cap (0 = none). */
  capHours: number
  /** The campaign itself (its own sends never count against the cap). */
  campaignId: number | null
  now?: DateTime
}

export type AudienceBreakdown = {
  /** Contacts the campaign will be sent to. */
  sendable: number
  /** Contacts matched by the sources, after exclusions (sendable + skipped). */
  matched: number
  /** Contacts matched by more than one source (counted once). */
  duplicates: number
  /** Contacts removed by the exclusion rules. */
  excluded: number
  skipped: Record<SkipReason, number>
  sample: { id: string; name: string; phone: string | null }[]
}

type Filter = (query: any) => void

const PAGE = 1000

function hasSources(audience: CampaignAudience) {
  const include = audience.include
  return (
    include.allContacts || include.list || include.segments.length > 0 || include.tags.length > 0
  )
}

async function segmentFilters(ids: number[]): Promise<Filter[]> {
  if (!ids.length) return []
  const segments = await Segment.query().whereIn('id', ids)
  return Promise.all(segments.map((segment) => segmentFilter(segment.definition)))
}

function tagFilter(workspaceId: number, tagIds: number[]): Filter {
  return (query) =>
    query.whereIn(
      'contacts.id',
      db
        .from('contact_tags')
        .select('contact_id')
        .where('workspace_id', workspaceId)
        .whereIn('tag_id', tagIds)
    )
}

function listFilter(workspaceId: number, campaignId: number): Filter {
  return (query) =>
    query.whereIn(
      'contacts.id',
      db
        .from('campaign_list_members')
        .select('contact_id')
        .where('workspace_id', workspaceId)
        .where('campaign_id', campaignId)
    )
}

/** Each include source as its own filter, and the exclusion filters. */
async function compileAudience(audience: CampaignAudience, campaignId: number | null) {
  const workspaceId = tenancy.workspaceId()
  const include: Filter[] = []
  if (audience.include.allContacts) include.push((query) => query.whereRaw('1 = 1'))
  include.push(...(await segmentFilters(audience.include.segments)))
  if (audience.include.tags.length) include.push(tagFilter(workspaceId, audience.include.tags))
  if (audience.include.list && campaignId) include.push(listFilter(workspaceId, campaignId))
  const exclude: Filter[] = [...(await segmentFilters(audience.exclude.segments))]
  if (audience.exclude.tags.length) exclude.push(tagFilter(workspaceId, audience.exclude.tags))
  return { include, exclude }
}

function baseQuery() {
  // Explicitly scoped: a raw query over the current workspace's contacts.
  return db.from('contacts').where('contacts.workspace_id', tenancy.workspaceId())
}

function applyFilters(query: any, include: Filter[], exclude: Filter[]) {
  if (!include.length) {
    query.whereRaw('1 = 0')
    return query
  }
  query.where((any: any) => {
    for (const filter of include) any.orWhere((one: any) => filter(one))
  })
  for (const filter of exclude) query.whereNot((one: any) => filter(one))
  return query
}

async function countOf(include: Filter[], exclude: Filter[]) {
  const query = applyFilters(baseQuery().count('* as total'), include, exclude)
  const [row] = await query
  return Number(row?.total ?? 0)
}

/**
 * Contact ids (with what the classification needs) of the audience, in
 * ascending id pages of 1,000.
 */
async function* audiencePages(campaign: Pick<Campaign, 'id' | 'audience'>) {
  if (!hasSources(campaign.audience)) return
  const { include, exclude } = await compileAudience(campaign.audience, campaign.id ?? null)
  let afterId = 0
  while (true) {
    const query = baseQuery()
      .select(
        'contacts.id',
        'contacts.public_id',
        'contacts.name',
        'contacts.profile_name',
        'contacts.phone',
        'contacts.wa_id',
        'contacts.timezone',
        'contacts.erased_at'
      )
      .where('contacts.id', '>', afterId)
      .orderBy('contacts.id', 'asc')
      .limit(PAGE)
    applyFilters(query, include, exclude)
    const rows: Record<string, any>[] = await query
    if (!rows.length) return
    yield rows
    if (rows.length < PAGE) return
    afterId = Number(rows[rows.length - 1].id)
  }
}

/** Contacts among `ids` with a marketing campaign send in the last `hours` (other campaigns). */
async function cappedContacts(ids: number[], rules: AudienceRules): Promise<Set<number>> {
  const capped = new Set<number>()
  if (rules.capHours <= 0 || rules.category !== 'MARKETING' || !ids.length) return capped
  const since = (rules.now ?? DateTime.utc()).minus({ hours: rules.capHours })
  for (let start = 0; start < ids.length; start += 500) {
    // Explicitly scoped: campaign_recipients of the current workspace.
    const query = db
      .from('campaign_recipients as r')
      .join('campaign_variants as v', 'v.id', 'r.variant_id')
      .join('message_templates as t', 't.id', 'v.template_id')
      .where('r.workspace_id', tenancy.workspaceId())
      .whereIn('r.contact_id', ids.slice(start, start + 500))
      .where('r.sent_at', '>=', sqlDateTime(since))
      .where('t.category', 'MARKETING')
      .distinct('r.contact_id')
    if (rules.campaignId) query.whereNot('r.campaign_id', rules.campaignId)
    for (const row of await query) capped.add(Number(row.contact_id))
  }
  return capped
}

/** One page of audience rows with the reason each one cannot be sent (or null). */
async function classify(
  rows: Record<string, any>[],
  rules: AudienceRules
): Promise<AudienceContact[]> {
  const live = rows.filter((row) => !row.erased_at && (row.phone || row.wa_id))
  const ids = live.map((row) => Number(row.id))
  const allowed =
    rules.category === 'MARKETING' ? await marketingAllowed(ids) : await utilityAllowed(ids)
  const capped = await cappedContacts(
    ids.filter((id) => allowed.has(id)),
    rules
  )
  return rows.map((row) => {
    const id = Number(row.id)
    let skip: SkipReason | null = null
    if (row.erased_at) skip = 'erased'
    else if (!row.phone && !row.wa_id) skip = 'no_phone'
    else if (!allowed.has(id)) skip = 'no_consent'
    else if (capped.has(id)) skip = 'frequency_cap'
    return {
      id,
      publicId: String(row.public_id),
      name: row.name ?? row.profile_name ?? row.phone ?? '',
      phone: row.phone ?? null,
      timezone: row.timezone ?? null,
      skip,
    }
  })
}

/** The audience, classified, one page at a time. */
export async function* classifiedAudience(
  campaign: Pick<Campaign, 'id' | 'audience'>,
  rules: AudienceRules
): AsyncGenerator<AudienceContact[]> {
  for await (const rows of audiencePages(campaign)) yield classify(rows, rules)
}

/**
 * What the review step shows before sending: the final count, why the
 * others are left out, and a few members who will receive it.
 */
export async function audienceBreakdown(
  campaign: Pick<Campaign, 'id' | 'audience'>,
  rules: AudienceRules,
  sampleSize = 10
): Promise<AudienceBreakdown> {
  const skipped: Record<SkipReason, number> = {
    erased: 0,
    no_phone: 0,
    no_consent: 0,
    frequency_cap: 0,
  }
  const result: AudienceBreakdown = {
    sendable: 0,
    matched: 0,
    duplicates: 0,
    excluded: 0,
    skipped,
    sample: [],
  }
  if (!hasSources(campaign.audience)) return result
  const { include } = await compileAudience(campaign.audience, campaign.id ?? null)
  const beforeExclusions = await countOf(include, [])
  let sum = 0
  for (const filter of include) sum += await countOf([filter], [])
  result.duplicates = Math.max(0, sum - beforeExclusions)
  for await (const page of classifiedAudience(campaign, rules)) {
    for (const contact of page) {
      result.matched++
      if (contact.skip) {
        skipped[contact.skip]++
        continue
      }
      result.sendable++
      if (result.sample.length < sampleSize) {
        result.sample.push({ id: contact.publicId, name: contact.name, phone: contact.phone })
      }
    }
  }
  result.excluded = Math.max(0, beforeExclusions - result.matched)
  return result
}
