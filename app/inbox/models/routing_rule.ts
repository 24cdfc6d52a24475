import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'

/**
 * A routing rule: conditions (any of the keywords, as whole words, case
 * insensitive, in the inbound text; the channel) and actions (team,
 * priority, tags). Every given condition must match. Enabled rules are
 * tried by position and the first that matches applies; the others are
 * skipped.
 */
export default class RoutingRule extends compose(BaseModel, withTenancy, withPublicId) {
  static table = 'routing_rules'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare name: string

  @column()
  declare position: number

  @column({ consume: (value: unknown) => Boolean(value) })
  declare enabled: boolean

  @jsonColumn<string[]>([])
  declare keywords: string[]

  @column({ serializeAs: null })
  declare channelId: number | null

  @column({ serializeAs: null })
  declare setTeamId: number | null

  @column()
  declare setPriority: number | null

  @jsonColumn<number[]>([], { serializeAs: null })
  declare addTagIds: number[]

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
