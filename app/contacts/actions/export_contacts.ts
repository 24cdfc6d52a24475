import { stringify } from 'csv-stringify'
import type ContactExport from '#contacts/models/contact_export'
import Segment from '#contacts/models/segment'
import type { SegmentGroup } from '#contacts/segments/types'
import { segmentFilter } from '#contacts/segments/compile'
import { audienceDefinition, countAudience, writeContactsCsv } from '#contacts/services/export_csv'
import { createExport, uploadStream } from '#contacts/services/export_files'
import type { ExportWriter } from '#contacts/services/export_runner'

/**
 * CSV export of a filtered list or a saved segment (issue 6 §4). The
 * request stores what to export; the job evaluates it when it runs (a
 * saved segment is dynamic) and streams the rows to the drive.
 */
export async function requestCsvExport(input: {
  definition?: SegmentGroup | null
  segment?: string | null
  userId: number | null
  /** false: record it without queueing the job (the caller runs `runExport`). */
  queue?: boolean
}) {
  if (input.segment) {
    // 404 for an unknown segment or one of another workspace.
    const segment = await Segment.findByOrFail('public_id', input.segment)
    return createExport({
      kind: 'csv',
      params: { segment: segment.publicId },
      userId: input.userId,
    })
  }
  const definition: SegmentGroup = input.definition ?? {
    type: 'group',
    match: 'all',
    conditions: [],
  }
  // Refused now (422 with the faulty paths) rather than failing in the job.
  await segmentFilter(definition)
  return createExport({
    kind: 'csv',
    params: { definition },
    userId: input.userId,
    queue: input.queue,
  })
}

export const writeCsvExport: ExportWriter = async (exp: ContactExport, { key, progress }) => {
  const definition = await audienceDefinition({
    definition: (exp.params.definition as SegmentGroup | undefined) ?? null,
    segment: (exp.params.segment as string | undefined) ?? null,
  })
  const total = await countAudience(definition)
  await progress(0, total)
  const csv = stringify({ bom: false })
  const upload = uploadStream(key, csv)
  let rows = 0
  try {
    const result = await writeContactsCsv(csv, {
      definition,
      onBatch: (written) => progress(written),
    })
    rows = result.rows
    csv.end()
    await upload
  } catch (error) {
    csv.destroy()
    await upload.catch(() => {})
    throw error
  }
  return { rows, total: rows }
}
