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
import { insertRows, isMariadb, isMysql, selectIn, type SqlValue } from '#contacts/import/bulk_sql'
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

type TagPair = { contactId: number; name: string; entry: Entry }

/** A batch after the first half of its transaction (counters relative to the batch). */
type StagedBatch = {
  counters: Counters
  errors: RowError[]
  /** Rows refused for the plan limit. */
  rejected: number
  now: string
  /** Contacts whose values and tags are written: created, or updated with option update. */
  touched: Entry[]
  /** Created by this batch: no value or tag link exists for them yet. */
  fresh: Set<Entry>
  /** Contact id by phone. */
  ids: Map<string, number>
  tags: TagPair[]
}

/** MariaDB: the statement that follows runs without foreign-key checks (that statement only). */
const NO_FOREIGN_KEY_CHECKS = 'SET STATEMENT foreign_key_checks = 0 FOR '

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
   * Pipelined, in three stages: while the database writes, the next rows
   * are read and normalised (the CPU works); and on MariaDB/MySQL two
   * batches are written at once on two connections: batch N+1's contacts
   * (the first half, BatchState.stage) while batch N's values and tags
   * (the second half, BatchState.finish) and commit. So the server works
   * on both of its halves at the same time.
   *
   * Order and the resume guarantee are kept: first halves start in file
   * order, each after the previous one; a second half starts only once the
   * previous batch has committed, so batches commit strictly in file order
   * and processed_rows always counts a prefix of the file. If a batch
   * fails or the import is cancelled, the batch after it rolls back. The
   * halves touch different tables while they overlap (contacts and tags /
   * values, tag links, consent, errors, the import row), and where they
   * meet (a phone repeated across the two batches, a tag created by
   * batch N) batch N+1 waits for batch N's row lock, never the reverse.
   * SQLite has one writer: there a batch's transaction starts once the
   * previous one has committed.
   */
  const overlap = db.connection().dialect.name !== 'sqlite3'
  type InFlight = { staged: Promise<unknown>; committed: Promise<boolean> }
  const inFlight: InFlight[] = []
  let last: InFlight = { staged: Promise.resolve(), committed: Promise.resolve(true) }

  const afterCommit = async (): Promise<boolean> => {
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

  const submit = (prepared: PreparedBatch): InFlight => {
    const previous = last
    // This batch's transaction, once its first half has started.
    const open: { trx: TransactionClientContract | null } = { trx: null }
    const staged = (async () => {
      if (overlap) await previous.staged
      else if (!(await previous.committed)) return null
      open.trx = await db.transaction()
      return state.stage(open.trx, prepared)
    })()
    const committed = (async () => {
      try {
        const batch = await staged
        if (!(await previous.committed) || !batch) {
          await open.trx?.rollback()
          return false
        }
        await state.finish(open.trx!, batch)
        await open.trx!.commit()
        state.adopt(batch)
      } catch (error) {
        if (open.trx && !open.trx.isCompleted) await open.trx.rollback().catch(() => {})
        throw error
      }
      return afterCommit()
    })()
    // Awaited in order by the reader below; a failure surfaces there.
    staged.catch(() => {})
    committed.catch(() => {})
    last = { staged, committed }
    return last
  }

  const flush = async (rows: DataRow[]) => {
    const prepared = state.prepare(rows)
    // At most two batches in flight: wait for the older one's commit.
    while (inFlight.length >= (overlap ? 2 : 1)) {
      if (!(await inFlight.shift()!.committed)) return false
    }
    inFlight.push(submit(prepared))
    return true
  }
  /** Waits for every batch in flight, in order; false when one was cancelled. */
  const drain = async () => {
    let going = true
    while (inFlight.length) {
      if (!(await inFlight.shift()!.committed)) going = false
    }
    return going
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
    going = (await drain()) && going
    if (!going) {
      await source.rows.return(undefined)
      record.status = 'cancelled'
      await publish(record, 0)
      return
    }
  } catch (error) {
    // Let the batches still in flight finish (they roll back after a failure) before reporting it.
    await Promise.allSettled(inFlight.map((entry) => entry.committed))
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
  /**
   * Lower-cased tag name → id: tags committed to the database, or created
   * by a batch in flight (which commits before any later batch).
   */
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

  /**
   * First half of a batch's transaction: the contacts (inserted, or
   * updated with option update) and their ids, the tags the batch needs.
   * On MariaDB/MySQL it runs while the previous batch's second half (and
   * commit) still runs on another connection: see runInTenant. Only this
   * half reads and moves the state shared from batch to batch (the plan's
   * room, the tag ids), and the halves start in file order, so the state
   * it sees is the one after the previous batch's first half.
   */
  async stage(trx: TransactionClientContract, batch: PreparedBatch): Promise<StagedBatch> {
    const counters = { ...batch.counters }
    const errors = [...batch.errors]
    const entries = batch.entries
    const update = this.options.onExisting === 'update'
    const mysql = isMysql(trx)
    const mariadb = await isMariadb(trx)
    let rejected = 0
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
    type StoredRow = { id: number | string; phone: string; public_id: string }
    const stored = new Map<string, { id: number; publicId: string }>()
    /*
     * MariaDB answers the stored row of every row of the statement
     * (RETURNING, a duplicate's row as it is after the update), which
     * spares reading the batch's contacts back by phone.
     */
    const returned = await insertRows<StoredRow>(trx, 'contacts', CONTACT_COLUMNS, rows, conflict, {
      returning: mariadb ? ['id', 'phone', 'public_id'] : undefined,
    })
    const found = mariadb
      ? returned
      : await selectIn<StoredRow>(
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

    // Which rows were created: those that kept the public id generated here.
    const ids = new Map<string, number>()
    const touched: Entry[] = []
    // Created in this transaction: no value or tag can exist for them yet.
    const fresh = new Set<Entry>()
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
    const tags = await this.ensureTags(trx, touched, ids, now)
    return { counters, errors, rejected, now, touched, fresh, ids, tags }
  }

  /**
   * Second half of a batch's transaction, once the previous batch has
   * committed: custom values, tag links, consent events, rejected rows,
   * then processed_rows and the counters.
   */
  async finish(trx: TransactionClientContract, staged: StagedBatch) {
    const counters = this.totalsAfter(staged)
    const relaxed = await isMariadb(trx)
    await this.writeValues(trx, staged, relaxed)
    await this.writeTagLinks(trx, staged, relaxed)
    await this.writeConsent(trx, staged.touched, staged.ids, staged.now)

    if (staged.errors.length) {
      await insertRows(
        trx,
        'contact_import_errors',
        ['workspace_id', 'import_id', 'row_number', 'column_name', 'reason'],
        staged.errors.map((error) => [
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
        updated_at: staged.now,
      })
  }

  /** The import's counters once `staged` is committed on top of the committed ones. */
  private totalsAfter(staged: StagedBatch): Counters {
    return {
      processed: this.counters.processed + staged.counters.processed,
      created: this.counters.created + staged.counters.created,
      updated: this.counters.updated + staged.counters.updated,
      skipped: this.counters.skipped + staged.counters.skipped,
      errors: this.counters.errors + staged.counters.errors,
    }
  }

  /** Committed: only now do the batch's counters become the state. */
  adopt(staged: StagedBatch) {
    const counters = this.totalsAfter(staged)
    this.counters = counters
    this.limitRejected += staged.rejected
    this.record.merge({
      processedRows: counters.processed,
      createdCount: counters.created,
      updatedCount: counters.updated,
      skippedCount: counters.skipped,
      errorCount: counters.errors,
    })
  }

  /**
   * The parents of the rows a batch writes with foreign-key checks off
   * (MariaDB, see writeValues): the custom fields and tags are read with a
   * shared lock, so they exist now and cannot be deleted before the batch
   * commits; a missing one fails the batch as the foreign key would have.
   */
  private async lockParents(
    trx: TransactionClientContract,
    table: 'custom_fields' | 'tags',
    ids: Set<number>
  ) {
    if (!ids.size) return
    const [found] = await trx.rawQuery(
      `SELECT id FROM ${table} WHERE workspace_id = ${Number(this.workspaceId)} AND id IN (${[...ids].map(Number).join(',')}) LOCK IN SHARE MODE`
    )
    if ((found as unknown[]).length !== ids.size) {
      throw new Error(
        table === 'tags'
          ? 'A tag used by this import was deleted while it ran'
          : 'A custom field mapped by this import was deleted while it ran'
      )
    }
  }

  /**
   * Custom values: one upsert per contact and field (an import never
   * clears a value: empty cells are not written), typed columns as
   * writeFieldValues stores them.
   *
   * `relaxed` (MariaDB): the statements run with `SET STATEMENT
   * foreign_key_checks = 0 FOR …`, which applies to that one statement
   * only (the session's setting is never changed, so nothing needs
   * restoring when the connection goes back to the pool). The rows stay
   * valid without the check: every contact id comes from this
   * transaction's own insert/upsert of the contact in this workspace,
   * which holds an exclusive lock on that row until commit (it cannot be
   * deleted meanwhile), and the custom fields are locked by lockParents.
   * Each check is an index lookup and a shared lock per row and parent:
   * about a fifth of MariaDB's time for a value row.
   */
  private async writeValues(trx: TransactionClientContract, staged: StagedBatch, relaxed: boolean) {
    if (!this.mapping.custom.length) return
    // Plain inserts for new contacts (an upsert costs MariaDB ~40% more per row), upserts for the others.
    const inserts: SqlValue[][] = []
    const upserts: SqlValue[][] = []
    const fields = new Set<number>()
    for (const entry of staged.touched) {
      const contactId = staged.ids.get(entry.value.phone)
      if (contactId === undefined) continue
      const rows = staged.fresh.has(entry) ? inserts : upserts
      for (const { field, value } of entry.value.fields) {
        const column = COLUMN_OF[field.type]
        fields.add(field.id)
        rows.push([
          this.workspaceId,
          contactId,
          field.id,
          column === 'value_text' ? value : null,
          column === 'value_number' ? value : null,
          column === 'value_date' ? value : null,
          column === 'value_bool' ? value : null,
          staged.now,
        ])
      }
    }
    if (relaxed) await this.lockParents(trx, 'custom_fields', fields)
    const prefix = relaxed ? NO_FOREIGN_KEY_CHECKS : undefined
    await insertRows(trx, 'contact_field_values', VALUE_COLUMNS, inserts, '', { prefix })
    const merged = ['value_text', 'value_number', 'value_date', 'value_bool', 'updated_at']
    const conflict = isMysql(trx)
      ? ` ON DUPLICATE KEY UPDATE ${merged.map((column) => `${column} = VALUES(${column})`).join(', ')}`
      : ` ON CONFLICT (workspace_id, contact_id, field_id) DO UPDATE SET ${merged.map((column) => `${column} = excluded.${column}`).join(', ')}`
    await insertRows(trx, 'contact_field_values', VALUE_COLUMNS, upserts, conflict, { prefix })
  }

  /**
   * The tags the touched contacts get (the file's and the import's),
   * created when missing. Runs in the first half: the tag ids are shared
   * with the next batches at once (a later batch commits only after this
   * one, so it never keeps a link to a tag that was rolled back).
   */
  private async ensureTags(
    trx: TransactionClientContract,
    touched: Entry[],
    ids: Map<string, number>,
    now: string
  ): Promise<TagPair[]> {
    const extra = this.options.tags ?? []
    if (!extra.length && !this.mapping.tags.length) return []
    const pairs: TagPair[] = []
    for (const entry of touched) {
      const contactId = ids.get(entry.value.phone)
      if (contactId === undefined) continue
      const names = new Map<string, string>()
      for (const name of [...extra, ...entry.tags]) names.set(name.toLowerCase(), name)
      for (const name of names.values()) pairs.push({ contactId, name, entry })
    }
    if (!pairs.length) return pairs

    const missing = new Map<string, string>()
    for (const { name } of pairs)
      if (!this.tagIds.has(name.toLowerCase())) missing.set(name.toLowerCase(), name)
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
      for (const tag of found) this.tagIds.set(String(tag.name).toLowerCase(), Number(tag.id))
    }
    return pairs
  }

  /** Links the touched contacts to their tags (relaxed: as in writeValues, tags locked by lockParents). */
  private async writeTagLinks(
    trx: TransactionClientContract,
    staged: StagedBatch,
    relaxed: boolean
  ) {
    if (!staged.tags.length) return
    const seen = new Set<string>()
    const used = new Set<number>()
    // New contacts have no tag yet: plain inserts; existing ones may: duplicates ignored.
    const inserts: SqlValue[][] = []
    const links: SqlValue[][] = []
    for (const { contactId, name, entry } of staged.tags) {
      const tagId = this.tagIds.get(name.toLowerCase())
      if (tagId === undefined || seen.has(`${contactId}:${tagId}`)) continue
      seen.add(`${contactId}:${tagId}`)
      used.add(tagId)
      ;(staged.fresh.has(entry) ? inserts : links).push([
        this.workspaceId,
        contactId,
        tagId,
        staged.now,
      ])
    }
    if (relaxed) await this.lockParents(trx, 'tags', used)
    const prefix = relaxed ? NO_FOREIGN_KEY_CHECKS : undefined
    const columns = ['workspace_id', 'contact_id', 'tag_id', 'created_at']
    await insertRows(trx, 'contact_tags', columns, inserts, '', { prefix })
    if (isMysql(trx)) {
      await insertRows(trx, 'contact_tags', columns, links, '', { ignore: true, prefix })
    } else {
      await insertRows(
        trx,
        'contact_tags',
        columns,
        links,
        ' ON CONFLICT (workspace_id, contact_id, tag_id) DO NOTHING'
      )
    }
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
