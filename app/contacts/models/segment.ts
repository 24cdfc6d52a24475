import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'
import type { SegmentGroup } from '#contacts/segments/types'

/** A saved, dynamic audience: evaluated each time it is used. */
export default class Segment extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare name: string

  @column()
  declare description: string | null

  @jsonColumn<SegmentGroup>({ type: 'group', match: 'all', conditions: [] })
  declare definition: SegmentGroup

  @column({ serializeAs: null })
  declare createdBy: number | null

  @column()
  declare lastCount: number | null

  @column.dateTime()
  declare lastCountedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
