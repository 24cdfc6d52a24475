import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { jsonColumn } from '#core/helpers/json_column'
import type { VariableMapping } from '#campaigns/types'

/** One A/B arm of a campaign (a plain campaign has one, label A, 100 %). */
export default class CampaignVariant extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true })
  declare id: number

  @column({ serializeAs: null })
  declare campaignId: number

  @column()
  declare label: string

  @column()
  declare templateId: number

  @jsonColumn<VariableMapping>({})
  declare variables: VariableMapping

  @column()
  declare splitPercent: number

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

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
