import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'

export type ExportKind = 'csv' | 'contact' | 'workspace'
export type ExportStatus = 'queued' | 'running' | 'completed' | 'failed'

/** A background export and the file it produced (offered through a signed link). */
export default class ContactExport extends compose(BaseModel, withTenancy, withPublicId) {
  static table = 'contact_exports'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare userId: number | null

  @column()
  declare kind: ExportKind

  @jsonColumn<Record<string, unknown>>({})
  declare params: Record<string, unknown>

  @column()
  declare status: ExportStatus

  @column()
  declare totalRows: number | null

  @column()
  declare processedRows: number

  @column({ serializeAs: null })
  declare filePath: string | null

  @column()
  declare fileSize: number | null

  @column()
  declare failure: string | null

  @column.dateTime()
  declare expiresAt: DateTime | null

  @column.dateTime()
  declare finishedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
