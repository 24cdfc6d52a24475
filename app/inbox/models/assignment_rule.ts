import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'

export const ASSIGNMENT_STRATEGIES = ['round_robin', 'least_loaded', 'skills', 'vip'] as const
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number]

export type AssignmentRuleOptions = {
  /** vip: tag names (on the contact or the conversation) that mark a VIP. */
  vipTags?: string[]
}

/**
 * An automatic assignment rule. Enabled rules are tried by position; the
 * first whose scope (channel, team; null = any) matches the conversation
 * and that finds an eligible agent assigns it.
 */
export default class AssignmentRule extends compose(BaseModel, withTenancy, withPublicId) {
  static table = 'assignment_rules'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare name: string

  @column()
  declare position: number

  @column({ consume: (value: unknown) => Boolean(value) })
  declare enabled: boolean

  @column({ serializeAs: null })
  declare channelId: number | null

  @column({ serializeAs: null })
  declare teamId: number | null

  @column()
  declare strategy: AssignmentStrategy

  @jsonColumn<AssignmentRuleOptions>({})
  declare options: AssignmentRuleOptions

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
