import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'

/**
 * A day closed all day (`YYYY-MM-DD` in the workspace's timezone).
 * Workspace holidays (`channelId` null) apply to every channel; a
 * channel's own holidays add to them.
 */
export default class Holiday extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare channelId: number | null

  @column()
  declare date: string

  @column()
  declare name: string
}
