import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'
import type { SegmentGroup } from '#contacts/segments/types'

export type BulkActionStatus = 'queued' | 'running' | 'completed' | 'failed'

export type BulkActionParams = {
  definition: SegmentGroup
  tag?: string
  field?: string
  value?: unknown
  tagName?: string
  fieldLabel?: string
}

/** A bulk action on every contact a filter matches, run by a job. */
export default class ContactBulkAction extends compose(BaseModel, withTenancy, withPublicId) {
  static table = 'contact_bulk_actions'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare userId: number | null

  @column()
  declare action: 'tag' | 'untag' | 'set_field' | 'opt_out' | 'delete'

  @jsonColumn<BulkActionParams>({ definition: { type: 'group', match: 'all', conditions: [] } })
  declare params: BulkActionParams

  @column()
  declare status: BulkActionStatus

  @column()
  declare total: number | null

  @column()
  declare processed: number

  @column()
  declare affected: number

  @column()
  declare failure: string | null

  @column.dateTime()
  declare finishedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
