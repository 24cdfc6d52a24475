import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'

/**
 * One opening interval on one weekday (0 = Sunday ... 6 = Saturday), in
 * the workspace's timezone. `closesAt` may be `24:00` (end of the day);
 * it is always after `opensAt` (no overnight rows: split them at
 * midnight). `channelId` null: the workspace's hours; set: that channel's
 * own hours, which replace the workspace's when the channel has any.
 */
export default class BusinessHour extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare channelId: number | null

  @column()
  declare weekday: number

  @column()
  declare opensAt: string

  @column()
  declare closesAt: string
}
