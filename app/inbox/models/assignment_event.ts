import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'

export const ASSIGNMENT_REASONS = [
  'manual',
  'transfer',
  'rule',
  'queue',
  'reassign_away',
  'unassign',
  'member_removed',
] as const
export type AssignmentReason = (typeof ASSIGNMENT_REASONS)[number]

/**
 * One change of a conversation's assignee and/or team: who acted (null for
 * a rule or the system), why, and the rule name or note. Append-only.
 */
export default class AssignmentEvent extends compose(BaseModel, withTenancy) {
  static table = 'assignment_events'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare conversationId: number

  @column({ serializeAs: null })
  declare fromUserId: number | null

  @column({ serializeAs: null })
  declare toUserId: number | null

  @column({ serializeAs: null })
  declare fromTeamId: number | null

  @column({ serializeAs: null })
  declare toTeamId: number | null

  @column({ serializeAs: null })
  declare actorId: number | null

  @column()
  declare reason: AssignmentReason

  @column()
  declare ruleName: string | null

  @column()
  declare note: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
