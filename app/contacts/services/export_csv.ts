import type { Writable } from 'node:stream'
import { storedIso } from '#core/helpers/sql_time'
import db from '@adonisjs/lucid/services/db'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import type CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import type { SegmentGroup } from '#contacts/segments/types'
import { segmentFilter } from '#contacts/segments/compile'
import { fieldValuesOf, workspaceFields, type FieldValue } from '#contacts/services/custom_fields'
import { consentStates } from '#contacts/services/consent'
import { writeChunk } from '#contacts/services/export_files'
import { tenancy } from '#core/tenancy/context'

/**
 * Contacts as CSV rows: the audience of an export (a segment definition,
 * never erased contacts), read in keyset batches on `contacts.id` so
 * memory stays flat whatever the number of contacts.
 */

const EXPORT_BATCH = 5000

/** Standard columns, in file order; custom fields follow, one column per field key. */
export const STANDARD_COLUMNS = [
  'id',
  'phone',
  'name',
  'email',
  'locale',
  'timezone',
  'country',
  'source',
  'created_at',
  'last_inbound_at',
  'messages_in',
  'messages_out',
  'tags',
  'marketing_consent',
] as const

export type ExportAudience = { definition?: SegmentGroup | null; segment?: string | null }

const EMPTY: SegmentGroup = { type: 'group', match: 'all', conditions: [] }

/** The definition an export runs: a saved segment's (as it is now) or the one posted. */
export async function audienceDefinition(audience: ExportAudience): Promise<SegmentGroup> {
  if (audience.segment) {
    const segment = await Segment.findByOrFail('public_id', audience.segment)
    return segment.definition
  }
  return audience.definition ?? EMPTY
}

type Filter = (query: DatabaseQueryBuilderContract<any>) => void

/**
 * Contacts of the current workspace matching `definition`, erased ones
 * left out (the segment engine does not know about erasure).
 */
async function audienceQuery(definition: SegmentGroup) {
  const filter = (await segmentFilter(definition)) as unknown as Filter
  return () => {
    // Explicitly scoped: raw query on this workspace's contacts.
    const query = db
      .from('contacts')
      .where('contacts.workspace_id', tenancy.workspaceId())
      .whereNull('contacts.erased_at')
    filter(query)
    return query
  }
}

/** A stored timestamp as ISO 8601 UTC; an empty cell when there is none. */
export function isoTime(value: unknown): string {
  return storedIso(value) ?? (value === null || value === undefined ? '' : String(value))
}

function cell(value: FieldValue | undefined): string | number {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return value
}

const IN_CHUNK = 1000

function chunks(ids: number[]) {
  const result: number[][] = []
  for (let start = 0; start < ids.length; start += IN_CHUNK) {
    result.push(ids.slice(start, start + IN_CHUNK))
  }
  return result
}

/** Tag names per contact, alphabetical. */
export async function tagsOf(ids: number[]): Promise<Map<number, string[]>> {
  const result = new Map<number, string[]>()
  for (const chunk of chunks(ids)) {
    // Explicitly scoped: pivot and tags of this workspace.
    const rows: { contact_id: number; name: string }[] = await db
      .from('contact_tags')
      .join('tags', (join) => {
        join
          .on('tags.workspace_id', 'contact_tags.workspace_id')
          .andOn('tags.id', 'contact_tags.tag_id')
      })
      .where('contact_tags.workspace_id', tenancy.workspaceId())
      .whereIn('contact_tags.contact_id', chunk)
      .orderBy('tags.name')
      .select('contact_tags.contact_id', 'tags.name')
    for (const row of rows) {
      const id = Number(row.contact_id)
      const names = result.get(id) ?? []
      names.push(row.name)
      result.set(id, names)
    }
  }
  return result
}

export type CsvWriteResult = { rows: number }

/**
 * Writes the header and every matching contact to `sink` (a csv-stringify
 * stream in object mode, array rows). `onBatch` runs after each batch with
 * the rows written so far.
 */
export async function writeContactsCsv(
  sink: Writable,
  options: {
    definition: SegmentGroup
    fields?: Pick<CustomField, 'id' | 'key' | 'type'>[]
    onBatch?: (written: number) => Promise<void>
    batchSize?: number
  }
): Promise<CsvWriteResult> {
  const fields = options.fields ?? (await workspaceFields())
  const batchSize = options.batchSize ?? EXPORT_BATCH
  const query = await audienceQuery(options.definition)
  await writeChunk(sink, [...STANDARD_COLUMNS, ...fields.map((field) => field.key)])
  let afterId = 0
  let written = 0
  for (;;) {
    const contacts = await query()
      .where('contacts.id', '>', afterId)
      .orderBy('contacts.id', 'asc')
      .limit(batchSize)
      .select(
        'contacts.id',
        'contacts.public_id',
        'contacts.phone',
        'contacts.name',
        'contacts.profile_name',
        'contacts.email',
        'contacts.locale',
        'contacts.timezone',
        'contacts.country',
        'contacts.source',
        'contacts.created_at',
        'contacts.last_inbound_at',
        'contacts.messages_in',
        'contacts.messages_out'
      )
    if (!contacts.length) break
    const ids = contacts.map((contact) => Number(contact.id))
    const [tags, consent, values] = await Promise.all([
      tagsOf(ids),
      consentStates(ids, 'marketing'),
      fieldValuesOf(ids, fields),
    ])
    for (const contact of contacts) {
      const id = Number(contact.id)
      const custom = values.get(id) ?? {}
      await writeChunk(sink, [
        contact.public_id,
        contact.phone ?? '',
        contact.name ?? contact.profile_name ?? '',
        contact.email ?? '',
        contact.locale ?? '',
        contact.timezone ?? '',
        contact.country ?? '',
        contact.source ?? '',
        isoTime(contact.created_at),
        isoTime(contact.last_inbound_at),
        Number(contact.messages_in ?? 0),
        Number(contact.messages_out ?? 0),
        (tags.get(id) ?? []).join(', '),
        consent.get(id) ?? 'none',
        ...fields.map((field) => cell(custom[field.key])),
      ])
    }
    written += contacts.length
    afterId = ids[ids.length - 1]
    await options.onBatch?.(written)
    if (contacts.length < batchSize) break
  }
  return { rows: written }
}

/** How many contacts an export will write (for the progress bar). */
export async function countAudience(definition: SegmentGroup): Promise<number> {
  const query = await audienceQuery(definition)
  const [row] = await query().count('* as total')
  return Number(row.total)
}
