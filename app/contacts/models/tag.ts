import { DateTime } from 'luxon'
import { ulid } from 'ulidx'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, beforeCreate, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'

/**
 * A label shared by contacts and conversations.
 */
export default class Tag extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare publicId: string

  @column()
  declare name: string

  @column()
  declare color: string

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @beforeCreate()
  static assignPublicId(tag: Tag) {
    tag.publicId = tag.publicId ?? ulid()
  }
}
