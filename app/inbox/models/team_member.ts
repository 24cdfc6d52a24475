import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import User from '#core/models/user'

/**
 * A member of a team (unique per team and user; removed with the
 * membership by the composite foreign key).
 */
export default class TeamMember extends compose(BaseModel, withTenancy) {
  static table = 'team_members'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare teamId: number

  @column({ serializeAs: null })
  declare userId: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @belongsTo(() => User)
  declare user: BelongsTo<typeof User>
}
