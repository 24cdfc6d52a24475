import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import Tag from '#contacts/models/tag'

/**
 * A tag on a contact (pivot, unique per contact and tag).
 */
export default class ContactTag extends compose(BaseModel, withTenancy) {
  static table = 'contact_tags'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare contactId: number

  @column({ serializeAs: null })
  declare tagId: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @belongsTo(() => Tag)
  declare tag: BelongsTo<typeof Tag>
}
