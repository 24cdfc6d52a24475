import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import Tag from '#contacts/models/tag'

/**
 * A tag on a conversation (pivot, unique per conversation and tag).
 * `created_at` is when the tag was applied; tag statistics count by it.
 */
export default class ConversationTag extends compose(BaseModel, withTenancy) {
  static table = 'conversation_tags'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare conversationId: number

  @column({ serializeAs: null })
  declare tagId: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @belongsTo(() => Tag)
  declare tag: BelongsTo<typeof Tag>
}
