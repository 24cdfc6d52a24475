import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export type WebhookEventStatus = 'pending' | 'processed' | 'failed' | 'malformed'

/**
 * A raw webhook delivery, stored before Parley answers. Platform table.
 */
export default class WebhookEvent extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare source: 'meta'

  @column()
  declare channelKey: string | null

  @column()
  declare status: WebhookEventStatus

  @column()
  declare rawBody: string

  @column()
  declare updates: number

  @column()
  declare error: string | null

  @column()
  declare attempts: number

  @column.dateTime()
  declare receivedAt: DateTime

  @column.dateTime()
  declare processedAt: DateTime | null
}
