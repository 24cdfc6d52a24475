import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { withPublicId } from '#core/helpers/with_public_id'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import Plan from '#core/models/plan'
import Membership from '#core/models/membership'
import Role from '#core/models/role'

export type WorkspaceStatus = 'active' | 'trial' | 'suspended'

/**
 * The tenant. A platform table: it is not itself tenant-scoped, but every
 * tenant-owned table points at it with `workspace_id`.
 */
export default class Workspace extends compose(BaseModel, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare name: string

  @column()
  declare slug: string

  @column()
  declare status: WorkspaceStatus

  @column()
  declare locale: string

  @column()
  declare timezone: string

  @column()
  declare defaultCountry: string | null

  /** Conversation history kept, in months; never below 12. */
  @column()
  declare retentionMonths: number

  /** Minutes without activity before an online agent is set away; 0 = never. */
  @column()
  declare autoAwayMinutes: number

  @column({ serializeAs: null })
  declare planId: number

  @column.dateTime()
  declare trialEndsAt: DateTime | null

  @column.dateTime()
  declare suspendedAt: DateTime | null

  @column()
  declare suspensionReason: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Plan)
  declare plan: BelongsTo<typeof Plan>

  @hasMany(() => Membership)
  declare memberships: HasMany<typeof Membership>

  @hasMany(() => Role)
  declare roles: HasMany<typeof Role>

  get isSuspended() {
    return this.status === 'suspended'
  }
}
