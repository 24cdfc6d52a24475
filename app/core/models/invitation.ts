import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { withPublicId } from '#core/helpers/with_public_id'
import { BaseModel, beforeCreate, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import Role from '#core/models/role'
import User from '#core/models/user'

/**
 * An invitation by email to join a workspace with a role. Only a SHA-256
 * of the token is stored; the token itself travels in the email.
 */
export default class Invitation extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare email: string

  @column({ serializeAs: null })
  declare roleId: number

  @column({ serializeAs: null })
  declare invitedById: number | null

  @column({ serializeAs: null })
  declare tokenHash: string

  @column.dateTime()
  declare expiresAt: DateTime

  @column.dateTime()
  declare acceptedAt: DateTime | null

  @column.dateTime()
  declare revokedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Role)
  declare role: BelongsTo<typeof Role>

  @belongsTo(() => User, { foreignKey: 'invitedById' })
  declare invitedBy: BelongsTo<typeof User>

  @beforeCreate()
  static prepare(invitation: Invitation) {
    invitation.email = invitation.email.trim().toLowerCase()
  }

  get isPending() {
    return !this.acceptedAt && !this.revokedAt && this.expiresAt > DateTime.now()
  }
}
