import { readFile } from 'node:fs/promises'
import { ulid } from 'ulidx'
import { parse } from 'csv-parse/sync'
import db from '@adonisjs/lucid/services/db'
import Workspace from '#core/models/workspace'
import Plan from '#core/models/plan'
import { quota } from '#core/services/quota'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'
import { normalizePhone } from '#contacts/services/phone'
import { insertIgnoring } from '#campaigns/services/bulk_insert'
import '#contacts/services/usage'
import type Campaign from '#campaigns/models/campaign'

/**
 * An uploaded audience list (CSV or pasted numbers): every number is
 * normalised to E.164 with the workspace's default country (the contacts
 * normaliser); known numbers are matched to their contact, unknown ones
 * become contacts with source `campaign_list` within the plan's contacts
 * quota; invalid rows are reported with their reason. The list replaces
 * the campaign's previous one (`campaign_list_members`).
 */

export type ListRejection = { line: number; value: string; reason: string }
export type ListUploadResult = {
  rows: number
  matched: number
  created: number
  duplicates: number
  invalid: ListRejection[]
  invalidCount: number
  listSize: number
}

const MAX_REPORTED = 100
const CHUNK = 500

/** Phone-like cells of a CSV (the column named phone/number/mobile/whatsapp, else the first). */
function valuesOfCsv(text: string): { line: number; value: string }[] {
  const delimiter = [',', ';', '\t'].find((candidate) => text.split('\n')[0]?.includes(candidate))
  const rows: string[][] = parse(text, {
    delimiter: delimiter ?? ',',
    relax_column_count: true,
    skip_empty_lines: true,
    bom: true,
  })
  if (!rows.length) return []
  const header = rows[0].map((cell) => cell.trim().toLowerCase())
  let column = header.findIndex((cell) => /phone|number|mobile|whatsapp|msisdn/.test(cell))
  const hasHeader = column >= 0 || header.every((cell) => !/\d{4,}/.test(cell))
  if (column < 0) column = 0
  return rows
    .slice(hasHeader ? 1 : 0)
    .map((row, index) => ({ line: index + (hasHeader ? 2 : 1), value: (row[column] ?? '').trim() }))
}

function countryOf(phone: string) {
  const parsed = normalizePhone(phone)
  return parsed.ok ? parsed.country : null
}

function valuesOfText(text: string): { line: number; value: string }[] {
  return text
    .split(/[\n,;]+/)
    .map((value, index) => ({ line: index + 1, value: value.trim() }))
    .filter((entry) => entry.value !== '')
}

export async function readListInput(input: { numbers?: string; filePath?: string | null }) {
  if (input.filePath) return valuesOfCsv(await readFile(input.filePath, 'utf8'))
  return valuesOfText(input.numbers ?? '')
}

export async function uploadList(
  campaign: Campaign,
  entries: { line: number; value: string }[]
): Promise<ListUploadResult> {
  const workspaceId = tenancy.workspaceId()
  const workspace = await Workspace.findOrFail(workspaceId)
  const invalid: ListRejection[] = []
  let invalidCount = 0
  const reject = (entry: { line: number; value: string }, reason: string) => {
    invalidCount++
    if (invalid.length < MAX_REPORTED) invalid.push({ ...entry, reason })
  }
  const phones = new Map<string, { line: number; value: string }>()
  let duplicates = 0
  for (const entry of entries) {
    const result = normalizePhone(entry.value, workspace.defaultCountry)
    if (!result.ok) reject(entry, result.reason)
    else if (phones.has(result.e164)) duplicates++
    else phones.set(result.e164, entry)
  }

  const all = [...phones.keys()]
  const idOf = new Map<string, number>()
  for (let start = 0; start < all.length; start += CHUNK) {
    // Explicitly scoped: phones are unique per workspace.
    const rows = await db
      .from('contacts')
      .select('id', 'phone')
      .where('workspace_id', workspaceId)
      .whereIn('phone', all.slice(start, start + CHUNK))
    for (const row of rows) idOf.set(String(row.phone), Number(row.id))
  }
  const matched = idOf.size
  let unknown = all.filter((phone) => !idOf.has(phone))

  // Within the plan: create what fits, report the rest.
  const plan = await Plan.findOrFail(workspace.planId)
  const allowed = plan.limit('contacts')
  if (allowed !== null && unknown.length) {
    const room = Math.max(0, allowed - (await quota.usage('contacts')))
    for (const phone of unknown.slice(room)) reject(phones.get(phone)!, 'plan_limit')
    unknown = unknown.slice(0, room)
  }
  const now = sqlDateTime()
  for (let start = 0; start < unknown.length; start += CHUNK) {
    const chunk = unknown.slice(start, start + CHUNK)
    await insertIgnoring(
      'contacts',
      chunk.map((phone) => ({
        workspace_id: workspaceId,
        public_id: ulid(),
        phone,
        country: countryOf(phone),
        source: 'campaign_list',
        created_at: now,
        updated_at: now,
      })),
      ['workspace_id', 'phone']
    )
    const rows = await db
      .from('contacts')
      .select('id', 'phone')
      .where('workspace_id', workspaceId)
      .whereIn('phone', chunk)
    for (const row of rows) idOf.set(String(row.phone), Number(row.id))
  }

  await db.from('campaign_list_members').where('campaign_id', campaign.id).delete()
  const ids = [...idOf.values()]
  for (let start = 0; start < ids.length; start += CHUNK) {
    await insertIgnoring(
      'campaign_list_members',
      ids.slice(start, start + CHUNK).map((contactId) => ({
        workspace_id: workspaceId,
        campaign_id: campaign.id,
        contact_id: contactId,
      })),
      ['campaign_id', 'contact_id']
    )
  }
  if (!campaign.audience.include.list) {
    campaign.audience = {
      ...campaign.audience,
      include: { ...campaign.audience.include, list: true },
    }
    await campaign.save()
  }
  return {
    rows: entries.length,
    matched,
    created: ids.length - matched,
    duplicates,
    invalid,
    invalidCount,
    listSize: ids.length,
  }
}
