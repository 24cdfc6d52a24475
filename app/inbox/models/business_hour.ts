import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'

/**
 * One opening interval on one weekday (0 = Sunday ... 6 = Saturday), in
 * the workspace's timezone.
 */
export default class BusinessHour extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare weekday: number

  @column()
  declare opensAt: string

  @column()
  declare closesAt: string
}
