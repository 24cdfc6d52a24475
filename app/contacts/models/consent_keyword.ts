import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'

/**
 * The STOP/START keywords of one language in one workspace and the
 * confirmations sent back. Keywords are stored one per line.
 */
export default class ConsentKeyword extends compose(BaseModel, withTenancy) {
  static table = 'consent_keywords'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare locale: string

  @column()
  declare optOutKeywords: string

  @column()
  declare optInKeywords: string

  @column()
  declare optOutReply: string

  @column()
  declare optInReply: string

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
