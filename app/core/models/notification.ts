import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { withPublicId } from '#core/helpers/with_public_id'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { jsonColumn } from '#core/helpers/json_column'

/**
 * An in-app notification for one member of a workspace (plan limit
 * reached, channel degraded, mention...).
 */
export default class Notification extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare userId: number

  @column()
  declare type: string

  @jsonColumn<Record<string, unknown>>({})
  declare data: Record<string, unknown>

  @column.dateTime()
  declare readAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
