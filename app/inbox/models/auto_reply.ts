import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'

export type AutoReplyKind = 'away' | 'greeting'

/**
 * An automatic message in one language: `away` (sent outside business
 * hours, once per conversation per closed period) or `greeting` (the
 * first inbound message of a new conversation). `channelId` null: the
 * workspace's; set: that channel's own, used instead of the workspace's
 * when the channel has an enabled one of the kind.
 */
export default class AutoReply extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare channelId: number | null

  @column()
  declare kind: AutoReplyKind

  @column()
  declare locale: string

  @column()
  declare body: string

  @column({ consume: (value: unknown) => Boolean(value) })
  declare enabled: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
