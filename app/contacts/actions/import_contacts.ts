import { monotonicFactory } from 'ulidx'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import ContactImport, {
  type ImportOptions,
  type ImportTarget,
} from '#contacts/models/contact_import'
import Workspace from '#core/models/workspace'
import Plan from '#core/models/plan'
import { COLUMN_OF, workspaceFields } from '#contacts/services/custom_fields'
import { insertRows, isMysql, selectIn, type SqlValue } from '#contacts/import/bulk_sql'
import { withBoundedHeap } from '#contacts/import/heap'
import {
  countCsvRows,
  formatOf,
  importKey,
  openRows,
  readPreview,
  type DataRow,
} from '#contacts/services/import_file'
import {
  normalizeRow,
  prepareMapping,
  type NormalizedRow,
  type PreparedMapping,
  type RowError,
} from '#contacts/services/import_rows'
import { tenancy } from '#core/tenancy/context'
import { quota } from '#core/services/quota'
import { audit } from '#core/services/audit'
import { broadcast } from '#core/realtime'
import { sqlDateTime } from '#core/helpers/sql_time'
import { queue } from '#core/queue/main'
import { BULK_IMPORT_ROWS, STATISTICS_JOB } from '#contacts/services/table_statistics'
import '#contacts/services/usage'

/**
 * The contacts import job's core (issue 6 §3, docs/imports.md).
 *
 * The file is streamed and handled in batches of `batchSize` data rows.
 * Each batch is ONE transaction: normalise, dedupe within the batch, find
 * the existing contacts with one query, insert the new ones with
 * multi-row inserts, update the existing ones (option `update`) with one
 * multi-row upsert, write custom values, tags, consent events and the
 * rejected rows, then move `processed_rows` and the counters. A re-run
 * after a crash skips exactly `processed_rows` data rows: nothing is
 * recorded twice and the counters stay exact.
 *
 * Every data row ends in exactly one counter:
 * processed = created + updated + skipped + errors.
 * - created: a new contact;
 * - updated: an existing contact (or a repeat of a phone seen earlier in
 *   the file) with option `update`;
 * - skipped: the same with option `skip`, and blank rows;
 * - errors: rejected rows (see contact_import_errors for the reasons).
 */

export const BATCH_SIZE = 5000

/** Public ids: monotonic within a millisecond, so one random draw per ms, not per row. */
const ulid = monotonicFactory()
const BROADCAST_EVERY_MS = 300

export type ImportHooks = {
  afterBatch?: (processedRows: number) => Promise<void> | void
  /** Rows per batch (tests use small batches). */
  batchSize?: number
}

export type ImportProgress = {
  id: string
  status: ContactImport['status']
  totalRows: number | null
  processedRows: number
  /** 0..1, from rows when the total is known, else from bytes read. */
  fraction: number
  createdCount: number
  updatedCount: number
  skippedCount: number
  errorCount: number
  rowsPerSecond: number
  failure: string | null
}

type Counters = {
  processed: number
  created: number
  updated: number
  skipped: number
  errors: number
}

/** One phone of a batch: the first row's values, merged with later rows' (option update). */
type Entry = {
  value: NormalizedRow
  rows: number[]
  tags: Set<string>
  consent: { row: number; event: 'opt_in' | 'opt_out' }[]
}

type PreparedBatch = { counters: Counters; errors: RowError[]; entries: Map<string, Entry> }

const CONTACT_COLUMNS = [
  'public_id',
  'workspace_id',
  'phone',
  'name',
  'email',
  'locale',
  'timezone',
  'country',
  'source',
  'created_at',
  'updated_at',
] as const
const VALUE_COLUMNS = [
  'workspace_id',
  'contact_id',
  'field_id',
  'value_text',
  'value_number',
  'value_date',
  'value_bool',
  'updated_at',
] as const
const CONSENT_COLUMNS = [
  'workspace_id',
  'contact_id',
  'event',
  'channel',
  'scope',
  'source',
  'proof_text',
  'proof_file_row',
  'actor_id',
  'dedupe_key',
  'occurred_at',
  'created_at',
] as const

/** Rows a unique key already holds are left alone (INSERT IGNORE, ON CONFLICT DO NOTHING). */
function insertIgnoring(
  trx: TransactionClientContract,
  table: string,
  columns: readonly string[],
  rows: SqlValue[][],
  key: string
) {
  return isMysql(trx)
    ? insertRows(trx, table, columns, rows, '', { ignore: true })
    : insertRows(trx, table, columns, rows, ` ON CONFLICT ${key} DO NOTHING`)
}

/** Chunk sizes that keep every statement under SQLite's bound-variable limit. */
function chunks<T>(items: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(30000 / columns))
  const result: T[][] = []
  for (let start = 0; start < items.length; start += size)
    result.push(items.slice(start, start + size))
  return result
}

/** How many more contacts the plan allows (Infinity when unlimited). */
async function contactsRoom(workspaceId: number): Promise<{ limit: number | null; room: number }> {
  const workspace = await Workspace.findOrFail(workspaceId)
  const plan = await Plan.findOrFail(workspace.planId)
  const limit = plan.limit('contacts')
  if (limit === null || limit === undefined) return { limit: null, room: Number.POSITIVE_INFINITY }
  const current = await quota.usage('contacts')
  return { limit, room: Math.max(0, limit - current) }
}

function progressOf(
  record: ContactImport,
  rowsPerSecond: number,
  fraction?: number
): ImportProgress {
  const total = record.totalRows
  const byRows = total ? Math.min(1, record.processedRows / total) : 0
  return {
    id: record.publicId,
    status: record.status,
    totalRows: total,
    processedRows: record.processedRows,
    fraction: record.status === 'completed' ? 1 : (fraction ?? byRows),
    createdCount: record.createdCount,
    updatedCount: record.updatedCount,
    skippedCount: record.skippedCount,
    errorCount: record.errorCount,
    rowsPerSecond: Math.round(rowsPerSecond),
    failure: record.failure,
  }
}

export function importProgress(record: ContactImport): ImportProgress {
  return progressOf(record, 0)
}

async function publish(record: ContactImport, rowsPerSecond: number, fraction?: number) {
  await broadcast(
    record.workspaceId,
    `contacts/imports/${record.publicId}`,
    progressOf(record, rowsPerSecond, fraction) as unknown as Record<string, string>
  )
}

/**
 * Runs (or resumes) import `importId`. Opens the import's tenant context
 * when called outside one (a benchmark, a console).
 */
export async function runImport(importId: number, hooks: ImportHooks = {}): Promise<void> {
  if (!tenancy.current()) {
    const owner = await db
      .from('contact_imports')
      .where('id', importId)
      .select('workspace_id')
      .first()
    if (!owner) throw new Error(`Import ${importId} does not exist`)
    return tenancy.run(Number(owner.workspace_id), () => runImport(importId, hooks))
  }
  return withBoundedHeap(() => runInTenant(importId, hooks))
}

async function runInTenant(importId: number, hooks: ImportHooks): Promise<void> {
  const record = await ContactImport.findOrFail(importId)
  if (!['queued', 'running', 'failed'].includes(record.status)) return
  if (!record.mapping || !record.options || !record.preview) {
    throw new Error(`Import ${importId} has no mapping`)
  }
  const workspaceId = tenancy.workspaceId()
  const fields = await workspaceFields()
  const mapping = prepareMapping(record.mapping, record.preview.headers, fields)
  const options = record.options
  const batchSize = hooks.batchSize ?? BATCH_SIZE

  const firstRun = record.startedAt === null
  record.merge({ status: 'running', failure: null })
  if (firstRun) record.startedAt = DateTime.utc()
  if (record.totalRows === null && record.format === 'csv') {
    record.totalRows = await countCsvRows(record.filePath)
  }
  await record.save()
  if (firstRun) {
    await audit({
      action: 'contacts.import_started',
      workspaceId,
      actorId: record.userId,
      target: { type: 'contact_import', id: record.publicId },
      after: { fileName: record.fileName, rows: record.totalRows, options },
    })
  }

  const state = new BatchState(record, mapping, options, await contactsRoom(workspaceId))
  await state.loadTags()
  const started = performance.now()
  const resumedAt = record.processedRows
  let lastBroadcast = 0
  const source = await openRows(record.filePath, record.format, {
    skip: record.processedRows,
    dialect: record.preview.delimiter
      ? {
          delimiter: record.preview.delimiter,
          encoding: record.preview.encoding ?? 'utf8',
          bomLength: 0,
        }
      : undefined,
  })
  const fraction = () =>
    record.totalRows ? undefined : Math.min(0.99, source.bytesRead() / Math.max(1, record.fileSize))

  /*
   * Pipelined: while batch N is written (the database works), batch N+1
   * is read and normalised (the CPU works). Writes stay strictly in order.
   */
  let writing: Promise<boolean> = Promise.resolve(true)
  const write = async (prepared: PreparedBatch): Promise<boolean> => {
    await state.write(prepared)
    await hooks.afterBatch?.(record.processedRows)
    const now = performance.now()
    if (now - lastBroadcast >= BROADCAST_EVERY_MS) {
      lastBroadcast = now
      const elapsed = (now - started) / 1000
      await publish(
        record,
        (record.processedRows - resumedAt) / Math.max(elapsed, 0.001),
        fraction()
      )
    }
    const current = await db
      .from('contact_imports')
      .where('workspace_id', workspaceId) // Explicitly scoped.
      .where('id', record.id)
      .select('status')
      .first()
    return current?.status !== 'cancelled'
  }
  const flush = async (rows: DataRow[]) => {
    const prepared = state.prepare(rows)
    if (!(await writing)) return false
    writing = write(prepared)
    // Kept for the next flush; a failure surfaces there (or below).
    writing.catch(() => {})
    return true
  }

  try {
    let batch: DataRow[] = []
    let going = true
    for await (const row of source.rows) {
      batch.push(row)
      if (batch.length >= batchSize) {
        going = await flush(batch)
        batch = []
        if (!going) break
      }
    }
    if (going && batch.length) going = await flush(batch)
    if (going) going = await writing
    if (!going) {
      await source.rows.return(undefined)
      record.status = 'cancelled'
      await publish(record, 0)
      return
    }
  } catch (error) {
    await source.rows.return(undefined)
    await ContactImport.query()
      .where('id', record.id)
      .whereNot('status', 'cancelled')
      .update({ status: 'failed', failure: String((error as Error).message).slice(0, 500) })
    record.merge({ status: 'failed', failure: String((error as Error).message).slice(0, 500) })
    await publish(record, 0).catch(() => {})
    throw error
  }

  const elapsed = (performance.now() - started) / 1000
  record.merge({
    status: 'completed',
    totalRows: record.processedRows,
    finishedAt: DateTime.utc(),
    failure: state.limitReached
      ? `The plan limit of ${state.plan.limit} contacts was reached: ${state.limitRejected} rows were not imported.`
      : null,
  })
  // The limit notice survives a resume: it was counted in an earlier run.
  if (!state.limitReached) {
    const earlier = await db
      .from('contact_import_errors')
      .where('workspace_id', workspaceId) // Explicitly scoped.
      .where('import_id', record.id)
      .where('reason', 'like', 'Plan limit of %')
      .count('* as total')
    const total = Number(earlier[0].total)
    if (total) {
      record.failure = `The plan limit of ${state.plan.limit} contacts was reached: ${total} rows were not imported.`
    }
  }
  await record.save()
  await publish(record, (record.processedRows - resumedAt) / Math.max(elapsed, 0.001))
  await audit({
    action: 'contacts.import_finished',
    workspaceId,
    actorId: record.userId,
    target: { type: 'contact_import', id: record.publicId },
    after: {
      rows: record.processedRows,
      created: record.createdCount,
      updated: record.updatedCount,
      skipped: record.skippedCount,
      errors: record.errorCount,
      notice: record.failure,
    },
  })
  // A bulk import changes the tables' shape: refresh the planner's statistics (once).
  if (record.createdCount >= BULK_IMPORT_ROWS) {
    await queue().dispatch(
      `${STATISTICS_JOB}.after_import`,
      {},
      { workspaceId: null, uniqueKey: `${STATISTICS_JOB}.after_import`, attempts: 1 }
    )
  }
  await drive
    .use()
    .delete(record.filePath)
    .catch(() => {})
}

/**
 * The batch writer: counters, the tag cache and the plan's room carried
 * from one batch to the next.
 */
class BatchState {
  counters: Counters
  /** Lower-cased tag name → id, for tags committed to the database. */
  tagIds = new Map<string, number>()
  limitReached = false
  limitRejected = 0
  private readonly workspaceId: number
  private readonly now = () => sqlDateTime()

  constructor(
    private readonly record: ContactImport,
    private readonly mapping: PreparedMapping,
    private readonly options: ImportOptions,
    readonly plan: { limit: number | null; room: number }
  ) {
    this.workspaceId = record.workspaceId
    this.counters = {
      processed: record.processedRows,
      created: record.createdCount,
      updated: record.updatedCount,
      skipped: record.skippedCount,
      errors: record.errorCount,
    }
  }

  async loadTags() {
    const rows = await db
      .from('tags')
      .where('workspace_id', this.workspaceId) // Explicitly scoped.
      .select('id', 'name')
    for (const row of rows) this.tagIds.set(String(row.name).toLowerCase(), Number(row.id))
  }

  /**
   * Normalises a batch and merges repeated phones (CPU only, no database):
   * the counts here are relative to the batch.
   */
  prepare(rows: DataRow[]): PreparedBatch {
    const counters = { processed: 0, created: 0, updated: 0, skipped: 0, errors: 0 }
    const errors: RowError[] = []
    const entries = new Map<string, Entry>()
    const update = this.options.onExisting === 'update'

    for (const { row, cells } of rows) {
      counters.processed++
      const outcome = normalizeRow(cells, row, this.mapping, this.options)
      if (outcome.kind === 'blank') {
        counters.skipped++
        continue
      }
      if (outcome.kind === 'error') {
        counters.errors++
        errors.push(...outcome.errors)
        continue
      }
      const value = outcome.value
      const seen = entries.get(value.phone)
      if (!seen) {
        entries.set(value.phone, {
          value,
          rows: [row],
          tags: new Set(value.tags),
          consent: value.consent ? [{ row, event: value.consent }] : [],
        })
        continue
      }
      // The same phone again in this batch: as if the first row had been stored already.
      if (!update) {
        counters.skipped++
        continue
      }
      seen.rows.push(row)
      for (const key of ['name', 'email', 'locale', 'timezone', 'country'] as const) {
        if (value[key] !== null) seen.value[key] = value[key]
      }
      for (const field of value.fields) {
        const at = seen.value.fields.findIndex((entry) => entry.field.id === field.field.id)
        if (at === -1) seen.value.fields.push(field)
        else seen.value.fields[at] = field
      }
      for (const tag of value.tags) seen.tags.add(tag)
      if (value.consent) seen.consent.push({ row, event: value.consent })
    }
    return { counters, errors, entries }
  }

  /** Writes one prepared batch in one transaction, counters and processed_rows included. */
  async write(batch: PreparedBatch) {
    const counters = {
      processed: this.counters.processed + batch.counters.processed,
      created: this.counters.created,
      updated: this.counters.updated,
      skipped: this.counters.skipped + batch.counters.skipped,
      errors: this.counters.errors + batch.counters.errors,
    }
    const errors = [...batch.errors]
    const entries = batch.entries
    const update = this.options.onExisting === 'update'
    const newTagIds = new Map<string, number>()
    let rejected = 0
    await db.transaction(async (trx) => {
      const all = [...entries.values()]
      const existingIds = new Map<string, number>()
      let allowed = all
      if (this.plan.room < all.length) {
        // Near the plan limit: find the existing contacts first, to know which rows would add one.
        for (const part of chunks(all, 1)) {
          const found = await trx
            .from('contacts')
            .where('workspace_id', this.workspaceId) // Explicitly scoped.
            .whereIn(
              'phone',
              part.map((entry) => entry.value.phone)
            )
            .select('id', 'phone')
          for (const contact of found) existingIds.set(contact.phone, Number(contact.id))
        }
        allowed = []
        for (const entry of all) {
          if (existingIds.has(entry.value.phone)) {
            allowed.push(entry)
          } else if (this.plan.room > 0) {
            this.plan.room--
            allowed.push(entry)
          } else {
            this.limitReached = true
            rejected += entry.rows.length
            counters.errors += entry.rows.length
            for (const row of entry.rows) {
              errors.push({
                row,
                column: null,
                reason: `Plan limit of ${this.plan.limit} contacts reached`,
              })
            }
          }
        }
      }

      /*
       * One statement inserts the new contacts and (option update) updates
       * the existing ones: mapped, non-empty columns only (COALESCE keeps
       * the stored value for an empty cell; the country follows the phone
       * only for new contacts unless a country column is mapped). With
       * option skip, existing rows are left untouched.
       */
      const now = this.now()
      const mysql = isMysql(trx)
      const columns = (['name', 'email', 'locale', 'timezone', 'country'] as const).filter((key) =>
        key === 'name' ? this.mapping.name.length > 0 : this.mapping[key] !== null
      )
      const publicIds = new Map<string, string>()
      const rows: SqlValue[][] = []
      for (const { value } of allowed) {
        const publicId = ulid()
        publicIds.set(value.phone, publicId)
        rows.push([
          publicId,
          this.workspaceId,
          value.phone,
          value.name,
          value.email,
          value.locale,
          value.timezone,
          value.country,
          'import',
          now,
          now,
        ])
      }
      let conflict: string
      if (mysql) {
        const sets = ['updated_at = VALUES(updated_at)']
        for (const key of columns) sets.push(`${key} = COALESCE(VALUES(${key}), ${key})`)
        conflict = ` ON DUPLICATE KEY UPDATE ${update ? sets.join(', ') : 'id = id'}`
      } else {
        const sets = ['updated_at = excluded.updated_at']
        for (const key of columns) sets.push(`${key} = COALESCE(excluded.${key}, contacts.${key})`)
        conflict = ` ON CONFLICT (workspace_id, phone) DO ${update ? `UPDATE SET ${sets.join(', ')}` : 'NOTHING'}`
      }
      await insertRows(trx, 'contacts', CONTACT_COLUMNS, rows, conflict)

      // Which rows were created: those that kept the public id generated here.
      const ids = new Map<string, number>()
      const touched: Entry[] = []
      // Created in this transaction: no value or tag can exist for them yet.
      const fresh = new Set<Entry>()
      const stored = new Map<string, { id: number; publicId: string }>()
      const found = await selectIn<{ id: number | string; phone: string; public_id: string }>(
        trx,
        'contacts',
        ['id', 'phone', 'public_id'],
        this.workspaceId, // Explicitly scoped.
        'phone',
        allowed.map((entry) => entry.value.phone)
      )
      for (const contact of found) {
        stored.set(contact.phone, { id: Number(contact.id), publicId: contact.public_id })
      }
      let created = 0
      for (const entry of allowed) {
        const contact = stored.get(entry.value.phone)
        if (!contact) throw new Error(`Contact ${entry.value.phone} was not stored`)
        ids.set(entry.value.phone, contact.id)
        if (contact.publicId === publicIds.get(entry.value.phone)) {
          created++
          counters.created++
          counters.updated += entry.rows.length - 1
          touched.push(entry)
          fresh.add(entry)
        } else if (update) {
          counters.updated += entry.rows.length
          touched.push(entry)
        } else {
          counters.skipped += entry.rows.length
        }
      }
      // Without the pre-check, the room shrinks by what was actually created.
      if (allowed === all && Number.isFinite(this.plan.room)) this.plan.room -= created
      await this.writeValues(trx, touched, fresh, ids, now)
      await this.writeTags(trx, touched, fresh, ids, newTagIds, now)
      await this.writeConsent(trx, touched, ids, now)

      if (errors.length) {
        await insertRows(
          trx,
          'contact_import_errors',
          ['workspace_id', 'import_id', 'row_number', 'column_name', 'reason'],
          errors.map((error) => [
            this.workspaceId,
            this.record.id,
            error.row,
            error.column?.slice(0, 120) ?? null,
            error.reason.slice(0, 255),
          ]),
          ''
        )
      }

      await trx
        .from('contact_imports')
        .where('workspace_id', this.workspaceId) // Explicitly scoped.
        .where('id', this.record.id)
        .update({
          processed_rows: counters.processed,
          created_count: counters.created,
          updated_count: counters.updated,
          skipped_count: counters.skipped,
          error_count: counters.errors,
          updated_at: now,
        })
    })
    // Committed: only now do the counters and the new tags become the state.
    this.counters = counters
    this.limitRejected += rejected
    for (const [name, id] of newTagIds) this.tagIds.set(name, id)
    this.record.merge({
      processedRows: counters.processed,
      createdCount: counters.created,
      updatedCount: counters.updated,
      skippedCount: counters.skipped,
      errorCount: counters.errors,
    })
  }

  /**
   * Custom values: one upsert per contact and field (an import never
   * clears a value: empty cells are not written), typed columns as
   * writeFieldValues stores them.
   */
  private async writeValues(
    trx: TransactionClientContract,
    touched: Entry[],
    fresh: Set<Entry>,
    ids: Map<string, number>,
    now: string
  ) {
    if (!this.mapping.custom.length) return
    // Plain inserts for new contacts (an upsert costs MariaDB ~40% more per row), upserts for the others.
    const inserts: SqlValue[][] = []
    const upserts: SqlValue[][] = []
    for (const entry of touched) {
      const contactId = ids.get(entry.value.phone)
      if (contactId === undefined) continue
      const rows = fresh.has(entry) ? inserts : upserts
      for (const { field, value } of entry.value.fields) {
        const column = COLUMN_OF[field.type]
        rows.push([
          this.workspaceId,
          contactId,
          field.id,
          column === 'value_text' ? value : null,
          column === 'value_number' ? value : null,
          column === 'value_date' ? value : null,
          column === 'value_bool' ? value : null,
          now,
        ])
      }
    }
    await insertRows(trx, 'contact_field_values', VALUE_COLUMNS, inserts, '')
    const merged = ['value_text', 'value_number', 'value_date', 'value_bool', 'updated_at']
    const conflict = isMysql(trx)
      ? ` ON DUPLICATE KEY UPDATE ${merged.map((column) => `${column} = VALUES(${column})`).join(', ')}`
      : ` ON CONFLICT (workspace_id, contact_id, field_id) DO UPDATE SET ${merged.map((column) => `${column} = excluded.${column}`).join(', ')}`
    await insertRows(trx, 'contact_field_values', VALUE_COLUMNS, upserts, conflict)
  }

  private async writeTags(
    trx: TransactionClientContract,
    touched: Entry[],
    fresh: Set<Entry>,
    ids: Map<string, number>,
    newTagIds: Map<string, number>,
    now: string
  ) {
    const extra = this.options.tags ?? []
    if (!extra.length && !this.mapping.tags.length) return
    const pairs: { contactId: number; name: string; fresh: boolean }[] = []
    for (const entry of touched) {
      const contactId = ids.get(entry.value.phone)
      if (contactId === undefined) continue
      const names = new Map<string, string>()
      for (const name of [...extra, ...entry.tags]) names.set(name.toLowerCase(), name)
      for (const name of names.values()) pairs.push({ contactId, name, fresh: fresh.has(entry) })
    }
    if (!pairs.length) return

    const idOf = (name: string) =>
      this.tagIds.get(name.toLowerCase()) ?? newTagIds.get(name.toLowerCase())
    const missing = new Map<string, string>()
    for (const { name } of pairs)
      if (idOf(name) === undefined) missing.set(name.toLowerCase(), name)
    if (missing.size) {
      const created = [...missing.values()].map((name) => ({
        public_id: ulid(),
        workspace_id: this.workspaceId,
        name,
        color: 'slate',
        created_at: now,
        updated_at: now,
      }))
      for (const part of chunks(created, 6)) {
        await trx
          .knexQuery()
          .table('tags')
          .insert(part)
          .onConflict(['workspace_id', 'name'])
          .ignore()
      }
      const found = await trx
        .from('tags')
        .where('workspace_id', this.workspaceId) // Explicitly scoped.
        .whereIn('name', [...missing.values()])
        .select('id', 'name')
      for (const tag of found) newTagIds.set(String(tag.name).toLowerCase(), Number(tag.id))
    }

    const seen = new Set<string>()
    // New contacts have no tag yet: plain inserts; existing ones may: duplicates ignored.
    const inserts: SqlValue[][] = []
    const links: SqlValue[][] = []
    for (const { contactId, name, fresh: created } of pairs) {
      const tagId = idOf(name)
      if (tagId === undefined || seen.has(`${contactId}:${tagId}`)) continue
      seen.add(`${contactId}:${tagId}`)
      ;(created ? inserts : links).push([this.workspaceId, contactId, tagId, now])
    }
    const columns = ['workspace_id', 'contact_id', 'tag_id', 'created_at']
    await insertRows(trx, 'contact_tags', columns, inserts, '')
    await insertIgnoring(trx, 'contact_tags', columns, links, '(workspace_id, contact_id, tag_id)')
  }

  private async writeConsent(
    trx: TransactionClientContract,
    touched: Entry[],
    ids: Map<string, number>,
    now: string
  ) {
    if (this.mapping.consent === null) return
    const events: SqlValue[][] = []
    for (const entry of touched) {
      const contactId = ids.get(entry.value.phone)
      if (contactId === undefined) continue
      for (const { row, event } of entry.consent) {
        events.push([
          this.workspaceId,
          contactId,
          event,
          'whatsapp',
          this.options.consentScope,
          'import',
          `${this.record.fileName}, row ${row}`.slice(0, 4000),
          row,
          this.record.userId,
          `import:${this.record.id}:${row}`,
          now,
          now,
        ])
      }
    }
    await insertIgnoring(
      trx,
      'consent_events',
      CONSENT_COLUMNS,
      events,
      '(workspace_id, dedupe_key)'
    )
  }
}

/** The columns of the file as they will be stored, for the mapping screen's preview. */
export function previewImport(
  record: ContactImport,
  mapping: PreparedMapping,
  options: Pick<ImportOptions, 'defaultCountry'>
) {
  const rows = record.preview?.rows ?? []
  return rows.map((cells, index) => {
    const outcome = normalizeRow(cells, index + 1, mapping, options)
    if (outcome.kind === 'ok') {
      const value = outcome.value
      return {
        row: value.row,
        status: 'ok' as const,
        values: {
          phone: value.phone,
          name: value.name,
          email: value.email,
          locale: value.locale,
          timezone: value.timezone,
          country: value.country,
          tags: value.tags,
          consent: value.consent,
          fields: Object.fromEntries(value.fields.map((entry) => [entry.field.key, entry.value])),
        },
        errors: [] as { column: string | null; reason: string }[],
      }
    }
    return {
      row: outcome.row,
      status: outcome.kind,
      values: null,
      errors:
        outcome.kind === 'error'
          ? outcome.errors.map(({ column, reason }) => ({ column, reason }))
          : [],
    }
  })
}

export type ImportStartInput = {
  mapping: ImportTarget[]
  options: ImportOptions
}

/** Stores an uploaded file and reads its header and first rows: status `uploaded`. */
export async function createImport(input: {
  userId: number
  fileName: string
  extname: string
  size: number
  store: (key: string) => Promise<void>
}): Promise<ContactImport> {
  const workspaceId = tenancy.workspaceId()
  const ext = input.extname.toLowerCase()
  const key = importKey(workspaceId, ulid(), ext)
  await input.store(key)
  const format = formatOf(ext)
  let preview
  try {
    preview = await readPreview(key, format)
  } catch (error) {
    await drive
      .use()
      .delete(key)
      .catch(() => {})
    throw error
  }
  return ContactImport.create({
    userId: input.userId,
    fileName: input.fileName.slice(0, 255),
    filePath: key,
    format,
    fileSize: input.size,
    status: 'uploaded',
    preview,
  })
}

/** Saves the mapping and options and queues the job (one per import). */
export async function startImport(record: ContactImport, input: ImportStartInput) {
  const fields = await workspaceFields()
  prepareMapping(input.mapping, record.preview?.headers ?? [], fields)
  record.merge({ mapping: input.mapping, options: input.options, status: 'queued' })
  await record.save()
  await queue().dispatch(
    'contacts.import',
    { importId: record.id },
    { workspaceId: record.workspaceId, uniqueKey: `contacts.import:${record.id}` }
  )
  await audit({
    action: 'contacts.import_queued',
    workspaceId: record.workspaceId,
    target: { type: 'contact_import', id: record.publicId },
    after: { fileName: record.fileName, mapping: input.mapping, options: input.options },
  })
}

/** Stops an import: rows already committed stay; a running job stops after its batch. */
export async function cancelImport(record: ContactImport) {
  if (!['uploaded', 'queued', 'running', 'failed'].includes(record.status)) return false
  record.merge({ status: 'cancelled', finishedAt: DateTime.utc() })
  await record.save()
  await audit({
    action: 'contacts.import_cancelled',
    workspaceId: record.workspaceId,
    target: { type: 'contact_import', id: record.publicId },
    after: { processedRows: record.processedRows },
  })
  await publish(record, 0).catch(() => {})
  await drive
    .use()
    .delete(record.filePath)
    .catch(() => {})
  return true
}
