import { stringify } from 'csv-stringify'
import db from '@adonisjs/lucid/services/db'
import type ContactExport from '#contacts/models/contact_export'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import type { SegmentGroup } from '#contacts/segments/types'
import { workspaceFields } from '#contacts/services/custom_fields'
import { countAudience, isoTime, writeContactsCsv } from '#contacts/services/export_csv'
import { createExport, writeChunk } from '#contacts/services/export_files'
import { ZipUpload, writeLine } from '#contacts/services/export_zip'
import type { ExportWriter } from '#contacts/services/export_runner'
import { tenancy } from '#core/tenancy/context'
import { jsonValue } from '#contacts/services/export_json'

/**
 * The workspace owner's full export (issue 6 §6): one zip with
 * `contacts.csv` (same columns as a CSV export, erased contacts left out),
 * `custom_fields.json`, `tags.json`, `segments.json`,
 * `conversations.jsonl`, `messages.jsonl`, `notes.jsonl` and
 * `consent_events.csv`. Every table is read in keyset pages and streamed
 * into the archive. Media files are not included (docs/privacy.md).
 */

const PAGE = 2000
const EMPTY: SegmentGroup = { type: 'group', match: 'all', conditions: [] }

export async function requestWorkspaceExport(userId: number | null) {
  return createExport({ kind: 'workspace', params: {}, userId })
}

async function countOf(table: string) {
  // Explicitly scoped count.
  const [row] = await db
    .from(table)
    .where('workspace_id', tenancy.workspaceId())
    .count('* as total')
  return Number(row.total)
}

/**
 * Pages through `table` of the current workspace by id, calling `each`
 * for every row of the select built by `build`.
 */
async function eachRow(
  alias: string,
  build: () => ReturnType<typeof db.from>,
  each: (row: Record<string, any>) => Promise<void>,
  after: (count: number) => Promise<void>
) {
  let afterId = 0
  for (;;) {
    const rows = await build()
      .where(`${alias}.id`, '>', afterId)
      .orderBy(`${alias}.id`, 'asc')
      .limit(PAGE)
    if (!rows.length) break
    for (const row of rows) await each(row)
    afterId = Number(rows[rows.length - 1].id)
    await after(rows.length)
    if (rows.length < PAGE) break
  }
}

export const writeWorkspaceArchive: ExportWriter = async (
  _exp: ContactExport,
  { key, progress }
) => {
  const workspaceId = tenancy.workspaceId()
  const fields = await workspaceFields()
  const contacts = await countAudience(EMPTY)
  const total =
    contacts +
    (await countOf('conversations')) +
    (await countOf('messages')) +
    (await countOf('contact_notes')) +
    (await countOf('consent_events'))
  await progress(0, total)
  let done = 0
  const advance = async (count: number) => {
    done += count
    await progress(done)
  }

  const archive = new ZipUpload(key)
  try {
    let contactRows = 0
    await archive.streamEntry('contacts.csv', stringify(), async (csv) => {
      const result = await writeContactsCsv(csv, {
        definition: EMPTY,
        fields,
        onBatch: (written) => progress(done + written),
      })
      contactRows = result.rows
    })
    done += contactRows

    archive.text(
      'custom_fields.json',
      JSON.stringify(
        fields.map((field) => ({
          key: field.key,
          label: field.label,
          type: field.type,
          options: field.options,
          required: field.required,
          position: field.position,
        })),
        null,
        2
      )
    )
    const tags = await Tag.query().orderBy('name')
    archive.text(
      'tags.json',
      JSON.stringify(
        tags.map((tag) => ({ id: tag.publicId, name: tag.name, color: tag.color })),
        null,
        2
      )
    )
    const segments = await Segment.query().orderBy('name')
    archive.text(
      'segments.json',
      JSON.stringify(
        segments.map((segment) => ({
          id: segment.publicId,
          name: segment.name,
          description: segment.description,
          definition: segment.definition,
          createdAt: segment.createdAt.toISO(),
        })),
        null,
        2
      )
    )

    await archive.entry('conversations.jsonl', async (sink) => {
      await eachRow(
        'c',
        () =>
          // Explicitly scoped: this workspace's conversations and their contacts.
          db
            .from('conversations as c')
            .leftJoin('contacts as ct', (join) => {
              join.on('ct.workspace_id', 'c.workspace_id').andOn('ct.id', 'c.contact_id')
            })
            .where('c.workspace_id', workspaceId)
            .select(
              'c.id',
              'c.public_id',
              'ct.public_id as contact_public_id',
              'c.status',
              'c.language',
              'c.created_at',
              'c.last_message_at',
              'c.resolved_at'
            ),
        (row) =>
          writeLine(sink, {
            id: row.public_id,
            contact: row.contact_public_id,
            status: row.status,
            language: row.language,
            createdAt: isoTime(row.created_at) || null,
            lastMessageAt: isoTime(row.last_message_at) || null,
            resolvedAt: isoTime(row.resolved_at) || null,
          }),
        advance
      )
    })

    await archive.entry('messages.jsonl', async (sink) => {
      await eachRow(
        'm',
        () =>
          // Explicitly scoped: this workspace's messages and their conversations.
          db
            .from('messages as m')
            .join('conversations as c', (join) => {
              join.on('c.workspace_id', 'm.workspace_id').andOn('c.id', 'm.conversation_id')
            })
            .where('m.workspace_id', workspaceId)
            .select(
              'm.id',
              'm.public_id',
              'c.public_id as conversation_public_id',
              'm.direction',
              'm.type',
              'm.status',
              'm.body',
              'm.payload',
              'm.media_mime',
              'm.media_path',
              'm.created_at'
            ),
        (row) =>
          writeLine(sink, {
            id: row.public_id,
            conversation: row.conversation_public_id,
            direction: row.direction,
            type: row.type,
            status: row.status,
            body: row.body,
            payload: jsonValue(row.payload),
            hasMedia: Boolean(row.media_path),
            mediaMime: row.media_mime,
            createdAt: isoTime(row.created_at) || null,
          }),
        advance
      )
    })

    await archive.entry('notes.jsonl', async (sink) => {
      await eachRow(
        'n',
        () =>
          // Explicitly scoped: this workspace's contact notes.
          db
            .from('contact_notes as n')
            .join('contacts as ct', (join) => {
              join.on('ct.workspace_id', 'n.workspace_id').andOn('ct.id', 'n.contact_id')
            })
            .where('n.workspace_id', workspaceId)
            .select(
              'n.id',
              'n.public_id',
              'ct.public_id as contact_public_id',
              'n.body',
              'n.created_at'
            ),
        (row) =>
          writeLine(sink, {
            id: row.public_id,
            contact: row.contact_public_id,
            body: row.body,
            createdAt: isoTime(row.created_at) || null,
          }),
        advance
      )
    })

    await archive.streamEntry('consent_events.csv', stringify(), async (csv) => {
      await writeChunk(csv, [
        'contact',
        'event',
        'scope',
        'channel',
        'source',
        'proof_text',
        'proof_ip',
        'proof_file_row',
        'occurred_at',
      ])
      await eachRow(
        'e',
        () =>
          // Explicitly scoped: this workspace's consent log.
          db
            .from('consent_events as e')
            .join('contacts as ct', (join) => {
              join.on('ct.workspace_id', 'e.workspace_id').andOn('ct.id', 'e.contact_id')
            })
            .where('e.workspace_id', workspaceId)
            .select(
              'e.id',
              'ct.public_id as contact_public_id',
              'e.event',
              'e.scope',
              'e.channel',
              'e.source',
              'e.proof_text',
              'e.proof_ip',
              'e.proof_file_row',
              'e.occurred_at'
            ),
        (row) =>
          writeChunk(csv, [
            row.contact_public_id,
            row.event,
            row.scope,
            row.channel,
            row.source,
            row.proof_text ?? '',
            row.proof_ip ?? '',
            row.proof_file_row ?? '',
            isoTime(row.occurred_at),
          ]),
        advance
      )
    })
    await archive.finish()
  } catch (error) {
    await archive.abort(error)
    throw error
  }
  return { rows: done, total: Math.max(total, done) }
}
