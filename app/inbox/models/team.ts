import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import TeamMember from '#inbox/models/team_member'

/**
 * A group of agents with its own inbox view ("My teams"). Conversations
 * point at a team through `conversations.team_id` (no foreign key: deleting
 * a team clears it in code, see `deleteTeam`).
 */
export default class Team extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare name: string

  /** Reassign a member's open conversations when they go away or offline. */
  @column({ consume: (value: unknown) => Boolean(value) })
  declare reassignOnAway: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @hasMany(() => TeamMember)
  declare members: HasMany<typeof TeamMember>
}
