import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'
import type { ConversationFilters } from '#inbox/types'

/** A member's named set of inbox filters (only its owner sees it). */
export default class SavedFilter extends compose(BaseModel, withTenancy, withPublicId) {
  static table = 'saved_filters'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare userId: number

  @column()
  declare name: string

  @jsonColumn<ConversationFilters>({})
  declare filters: ConversationFilters

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
