import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'

export type ImportStatus = 'uploaded' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled'

/** What a column of the file becomes. */
export type ImportTarget =
  | { kind: 'ignore' }
  | { kind: 'standard'; field: 'phone' | 'name' | 'email' | 'locale' | 'timezone' | 'country' }
  | { kind: 'custom'; key: string }
  | { kind: 'tags' }
  | { kind: 'consent' }

export type ImportOptions = {
  defaultCountry: string | null
  onExisting: 'update' | 'skip'
  tags: string[]
  /** Scope of the consent events recorded from the consent column (source `import`). */
  consentScope: 'marketing' | 'utility'
}

export type ImportPreview = {
  headers: string[]
  rows: string[][]
  /** CSV only: the detected delimiter and text encoding. */
  delimiter?: string
  encoding?: 'utf8' | 'utf16le' | 'latin1'
}

/** One CSV/XLSX upload and the background job that imports it. */
export default class ContactImport extends compose(BaseModel, withTenancy, withPublicId) {
  static table = 'contact_imports'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare userId: number | null

  @column()
  declare fileName: string

  @column({ serializeAs: null })
  declare filePath: string

  @column()
  declare format: 'csv' | 'xlsx'

  @column()
  declare fileSize: number

  @column()
  declare status: ImportStatus

  @jsonColumn<ImportPreview | null>(null)
  declare preview: ImportPreview | null

  @jsonColumn<ImportTarget[] | null>(null)
  declare mapping: ImportTarget[] | null

  @jsonColumn<ImportOptions | null>(null)
  declare options: ImportOptions | null

  @column()
  declare totalRows: number | null

  @column()
  declare processedRows: number

  @column()
  declare createdCount: number

  @column()
  declare updatedCount: number

  @column()
  declare skippedCount: number

  @column()
  declare errorCount: number

  @column()
  declare failure: string | null

  @column.dateTime()
  declare startedAt: DateTime | null

  @column.dateTime()
  declare finishedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
