import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { withPublicId } from '#core/helpers/with_public_id'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import User from '#core/models/user'
import Role from '#core/models/role'
import Workspace from '#core/models/workspace'

/**
 * A user's seat in a workspace, with one role.
 */
export default class Membership extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare userId: number

  @column({ serializeAs: null })
  declare roleId: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => User)
  declare user: BelongsTo<typeof User>

  @belongsTo(() => Role)
  declare role: BelongsTo<typeof Role>

  @belongsTo(() => Workspace)
  declare workspace: BelongsTo<typeof Workspace>
}
