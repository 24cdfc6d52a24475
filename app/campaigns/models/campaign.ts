import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'
import CampaignVariant from '#campaigns/models/campaign_variant'
import type { CampaignAudience, CampaignStatus, Recurrence } from '#campaigns/types'

export const EMPTY_AUDIENCE: CampaignAudience = {
  include: { segments: [], tags: [], list: false, allContacts: false },
  exclude: { segments: [], tags: [] },
}

/**
 * A broadcast: audience, schedule, A/B settings and live counters. A
 * recurring campaign is a parent (status `recurring`) whose occurrences are
 * child campaigns with `parentId` set.
 */
export default class Campaign extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare parentId: number | null

  @column()
  declare name: string

  @column({ serializeAs: null })
  declare channelId: number | null

  @column()
  declare status: CampaignStatus

  @jsonColumn<CampaignAudience>(EMPTY_AUDIENCE)
  declare audience: CampaignAudience

  @column()
  declare frequencyCapHours: number | null

  @column.dateTime()
  declare sendAt: DateTime | null

  @column({ consume: (value: unknown) => Boolean(value) })
  declare localTime: boolean

  @column()
  declare timezone: string | null

  @jsonColumn<Recurrence | null>(null)
  declare recurrence: Recurrence | null

  @column.dateTime()
  declare nextRunAt: DateTime | null

  @column()
  declare testPercent: number | null

  @column()
  declare winnerMetric: 'read' | 'reply' | null

  @column()
  declare winnerAfterHours: number | null

  @column.dateTime()
  declare winnerDueAt: DateTime | null

  @column({ serializeAs: null })
  declare winnerVariantId: number | null

  @column()
  declare replyWindowHours: number

  @column({ serializeAs: null })
  declare createdBy: number | null

  @column({ serializeAs: null })
  declare approvedBy: number | null

  @column.dateTime()
  declare approvedAt: DateTime | null

  @column.dateTime()
  declare startedAt: DateTime | null

  @column.dateTime()
  declare completedAt: DateTime | null

  @column()
  declare failureReason: string | null

  @column()
  declare totalCount: number

  @column()
  declare sentCount: number

  @column()
  declare deliveredCount: number

  @column()
  declare readCount: number

  @column()
  declare repliedCount: number

  @column()
  declare failedCount: number

  @column()
  declare skippedCount: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @hasMany(() => CampaignVariant)
  declare variants: HasMany<typeof CampaignVariant>
}
