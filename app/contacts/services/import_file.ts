import { Transform, type Readable } from 'node:stream'
import drive from '@adonisjs/drive/services/main'
import { parse } from 'csv-parse'
import ExcelJS from 'exceljs'
import type { ImportPreview } from '#contacts/models/contact_import'

/**
 * Reading an uploaded contacts file (CSV or XLSX) as a stream of rows of
 * strings, whatever its size: the file is never loaded whole.
 *
 * Files live on the drive disk under `workspaces/<id>/imports/<ulid>.<ext>`
 * (config/drive.ts), the key is stored in `contact_imports.file_path`.
 */

export const IMPORT_EXTENSIONS = ['csv', 'tsv', 'txt', 'xlsx'] as const
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024
export const PREVIEW_ROWS = 5

export type CsvEncoding = 'utf8' | 'utf16le' | 'latin1'
export type CsvDialect = { delimiter: string; encoding: CsvEncoding; bomLength: number }

const DELIMITERS = [',', ';', '\t', '|'] as const
const SAMPLE_BYTES = 64 * 1024

export function importKey(workspaceId: number, id: string, ext: string) {
  return `workspaces/${workspaceId}/imports/${id}.${ext}`
}

export function formatOf(ext: string): 'csv' | 'xlsx' {
  return ext.toLowerCase() === 'xlsx' ? 'xlsx' : 'csv'
}

/** The first `bytes` bytes of a stored file. */
async function head(key: string, bytes = SAMPLE_BYTES): Promise<Buffer> {
  const stream = await drive.use().getStream(key)
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    length += chunk.length
    if (length >= bytes) break
  }
  ;(stream as Readable).destroy()
  return Buffer.concat(chunks).subarray(0, bytes)
}

/** Encoding from the byte order mark, else UTF-8 when the bytes are valid UTF-8, else Latin-1. */
function detectEncoding(sample: Buffer): { encoding: CsvEncoding; bomLength: number } {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) {
    return { encoding: 'utf8', bomLength: 3 }
  }
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf16le', bomLength: 2 }
  if (sample[0] === 0xfe && sample[1] === 0xff) throw new UnreadableFileError('utf16be')
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true })
    return { encoding: 'utf8', bomLength: 0 }
  } catch {
    return { encoding: 'latin1', bomLength: 0 }
  }
}

/**
 * The delimiter among `, ; tab |` that splits the first lines into the
 * same number of fields (quotes respected), preferring more fields.
 */
function detectDelimiter(text: string): string {
  const lines = text.split(/\r?\n/).slice(0, 21)
  if (lines.length > 1) lines.pop() // the last line may be cut by the sample
  const sample = lines.filter((line) => line.trim() !== '')
  if (!sample.length) return ','
  let best: { delimiter: string; score: number } = { delimiter: ',', score: 0 }
  for (const delimiter of DELIMITERS) {
    const counts = sample.map((line) => countOutsideQuotes(line, delimiter))
    const first = counts[0]
    if (first === 0) continue
    const consistent = counts.filter((count) => count === first).length / counts.length
    const score = consistent * 1000 + first
    if (score > best.score) best = { delimiter, score }
  }
  return best.delimiter
}

function countOutsideQuotes(line: string, delimiter: string) {
  let quoted = false
  let count = 0
  for (const char of line) {
    if (char === '"') quoted = !quoted
    else if (char === delimiter && !quoted) count++
  }
  return count
}

export class UnreadableFileError extends Error {
  constructor(readonly code: 'utf16be' | 'empty' | 'no_sheet' | 'unreadable') {
    super(`The file cannot be read (${code})`)
  }
}

async function detectDialect(key: string): Promise<CsvDialect> {
  const sample = await head(key)
  const { encoding, bomLength } = detectEncoding(sample)
  const text = sample.subarray(bomLength).toString(encoding)
  return { delimiter: detectDelimiter(text), encoding, bomLength }
}

/** One cell as text: XLSX dates as YYYY-MM-DD (or ISO time), rich text joined, formulas' results. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return ''
    const iso = value.toISOString()
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    if (Array.isArray(record.richText)) {
      return (record.richText as { text?: string }[]).map((part) => part.text ?? '').join('')
    }
    if ('result' in record) return cellText(record.result)
    if ('text' in record) return cellText(record.text)
    if ('error' in record) return ''
  }
  return String(value)
}

export type DataRow = { row: number; cells: string[] }

export type RowSource = {
  rows: AsyncGenerator<DataRow>
  /** Bytes of the file read so far (progress when the row count is unknown). */
  bytesRead: () => number
}

/**
 * The data rows of a stored file after the header, skipping the first
 * `skip` of them (a resumed import). `row` is the 1-based data row (the
 * header is row 0): the record index for CSV, the sheet row below the
 * header for XLSX. The header itself is yielded with row 0 when
 * `withHeader` is set.
 */
export async function openRows(
  key: string,
  format: 'csv' | 'xlsx',
  options: { skip?: number; dialect?: CsvDialect; withHeader?: boolean } = {}
): Promise<RowSource> {
  const file = (await drive.use().getStream(key)) as Readable
  let bytes = 0
  // Counts the bytes going through without taking the stream out of backpressure.
  const source = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length
      callback(null, chunk)
    },
  })
  file.on('error', (error) => source.destroy(error))
  source.on('close', () => file.destroy())
  file.pipe(source)
  const skip = options.skip ?? 0
  if (format === 'csv') {
    const dialect = options.dialect ?? (await detectDialect(key))
    return { rows: csvRows(source, dialect, skip, !!options.withHeader), bytesRead: () => bytes }
  }
  return { rows: xlsxRows(source, skip, !!options.withHeader), bytesRead: () => bytes }
}

async function* csvRows(
  source: Readable,
  dialect: CsvDialect,
  skip: number,
  withHeader: boolean
): AsyncGenerator<DataRow> {
  const parser = parse({
    delimiter: dialect.delimiter,
    encoding: dialect.encoding,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
  })
  source.on('error', (error) => parser.destroy(error))
  source.pipe(parser)
  let index = -1
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      index++
      if (index === 0) {
        if (withHeader) yield { row: 0, cells: record }
        continue
      }
      if (index <= skip) continue
      yield { row: index, cells: record }
    }
  } finally {
    source.destroy()
    parser.destroy()
  }
}

async function* xlsxRows(
  source: Readable,
  skip: number,
  withHeader: boolean
): AsyncGenerator<DataRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  })
  let headerRow: number | null = null
  let seen = 0
  try {
    for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        const values = (row.values as unknown[]) ?? []
        const cells: string[] = []
        for (let column = 1; column < values.length; column++) cells.push(cellText(values[column]))
        if (headerRow === null) {
          if (cells.every((cell) => cell.trim() === '')) continue
          headerRow = row.number
          if (withHeader) yield { row: 0, cells }
          continue
        }
        seen++
        if (seen <= skip) continue
        yield { row: row.number - headerRow, cells }
      }
      // Only the first worksheet is imported.
      break
    }
  } finally {
    source.destroy()
  }
}

/** Headers (blank ones named "Column N") and the first rows, for the mapping screen. */
export async function readPreview(
  key: string,
  format: 'csv' | 'xlsx'
): Promise<ImportPreview & { encoding?: CsvEncoding }> {
  const dialect = format === 'csv' ? await detectDialect(key) : undefined
  const { rows } = await openRows(key, format, { dialect, withHeader: true })
  let headers: string[] | null = null
  const sample: string[][] = []
  for await (const { cells } of rows) {
    if (!headers) {
      headers = cells.map((cell, index) => cell.trim() || `Column ${index + 1}`)
      continue
    }
    sample.push(cells)
    if (sample.length >= PREVIEW_ROWS) break
  }
  await rows.return(undefined)
  if (!headers || headers.every((header) => /^Column \d+$/.test(header))) {
    throw new UnreadableFileError('empty')
  }
  const width = Math.max(headers.length, ...sample.map((row) => row.length))
  while (headers.length < width) headers.push(`Column ${headers.length + 1}`)
  return {
    headers,
    rows: sample.map((row) => headers!.map((_, index) => row[index] ?? '')),
    delimiter: dialect?.delimiter,
    encoding: dialect?.encoding,
  }
}

/**
 * Data rows of a CSV, counted from its line breaks (cheap: no parsing).
 * An estimate when quoted cells span lines; the import's final count is
 * exact.
 */
export async function countCsvRows(key: string): Promise<number> {
  const stream = (await drive.use().getStream(key)) as Readable
  let lines = 0
  let last = 0x0a
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let at = chunk.indexOf(0x0a)
    while (at !== -1) {
      lines++
      at = chunk.indexOf(0x0a, at + 1)
    }
    if (chunk.length) last = chunk[chunk.length - 1]
  }
  if (last !== 0x0a) lines++
  return Math.max(0, lines - 1)
}
