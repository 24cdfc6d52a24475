import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import type { RecipientStatus } from '#campaigns/types'

/**
 * One contact of a campaign's frozen audience. Unique per (campaign,
 * contact): a send happens at most once. The dispatcher claims a row
 * atomically (pending → sending with its token) before calling the API.
 * High-volume paths use query builders on this table; the model serves
 * reports and tests.
 */
export default class CampaignRecipient extends compose(BaseModel, withTenancy) {
  static table = 'campaign_recipients'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare campaignId: number

  @column()
  declare contactId: number

  @column()
  declare variantId: number | null

  @column()
  declare phase: 'all' | 'test' | 'rest'

  @column()
  declare status: RecipientStatus

  @column.dateTime()
  declare dueAt: DateTime | null

  @column({ serializeAs: null })
  declare claim: string | null

  @column.dateTime({ serializeAs: null })
  declare claimedAt: DateTime | null

  @column()
  declare attempts: number

  @column()
  declare wamid: string | null

  @column()
  declare errorCode: number | null

  @column()
  declare errorReason: string | null

  @column.dateTime()
  declare sentAt: DateTime | null

  @column.dateTime()
  declare deliveredAt: DateTime | null

  @column.dateTime()
  declare readAt: DateTime | null

  @column.dateTime()
  declare repliedAt: DateTime | null

  @column.dateTime()
  declare failedAt: DateTime | null
}
