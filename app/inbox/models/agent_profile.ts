import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { jsonColumn } from '#core/helpers/json_column'

export const AVAILABILITIES = ['online', 'away', 'busy', 'offline'] as const
export type Availability = (typeof AVAILABILITIES)[number]

/**
 * One member's inbox settings in one workspace: availability, the limit of
 * concurrently open assigned conversations, skills and seniority for the
 * assignment rules. Created lazily (`ensureAgentProfile`).
 */
export default class AgentProfile extends compose(BaseModel, withTenancy) {
  static table = 'agent_profiles'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare userId: number

  @column()
  declare availability: Availability

  @column.dateTime()
  declare availabilityChangedAt: DateTime | null

  @column.dateTime()
  declare lastActivityAt: DateTime | null

  /**
   * Away because the idle sweep set it (not by the member's choice): their
   * next heartbeat brings them back online. Cleared by any other change.
   */
  @column({ consume: (value: unknown) => Boolean(value) })
  declare autoAway: boolean

  /** Null: no limit. */
  @column()
  declare maxOpenConversations: number | null

  @jsonColumn<string[]>([])
  declare skills: string[]

  @column({ consume: (value: unknown) => Boolean(value) })
  declare isSenior: boolean

  @column.dateTime()
  declare lastAssignedAt: DateTime | null

  @column({ consume: (value: unknown) => Boolean(value) })
  declare notifyDesktop: boolean

  @column({ consume: (value: unknown) => Boolean(value) })
  declare notifySound: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
