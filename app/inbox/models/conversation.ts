import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, belongsTo, column, hasMany } from '@adonisjs/lucid/orm'
import type { BelongsTo, HasMany } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import Contact from '#contacts/models/contact'
import Channel from '#channels/models/channel'
import Message from '#inbox/models/message'

export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved'

/** The customer service window: 24 hours from the customer's last message. */
export const SERVICE_WINDOW_HOURS = 24

export default class Conversation extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare contactId: number

  @column({ serializeAs: null })
  declare channelId: number

  @column()
  declare status: ConversationStatus

  @column()
  declare unreadCount: number

  @column.dateTime()
  declare lastMessageAt: DateTime | null

  @column.dateTime()
  declare lastInboundAt: DateTime | null

  /** User id of the assigned agent (no foreign key; see migration 0040). */
  @column({ serializeAs: null })
  declare assigneeId: number | null

  @column({ serializeAs: null })
  declare teamId: number | null

  /** 0 none, 1 low, 2 medium, 3 high, 4 urgent. */
  @column()
  declare priority: number

  @column.dateTime()
  declare snoozedUntil: DateTime | null

  @column()
  declare lastMessagePreview: string | null

  @column()
  declare lastMessageDirection: string | null

  @column()
  declare language: string | null

  /** Set while the conversation waits in the assignment queue. */
  @column.dateTime()
  declare waitingSince: DateTime | null

  @column.dateTime()
  declare firstResponseAt: DateTime | null

  @column()
  declare firstResponseSeconds: number | null

  @column.dateTime()
  declare resolvedAt: DateTime | null

  @column()
  declare resolutionSeconds: number | null

  @column()
  declare agentReplyCount: number

  @column()
  declare reopenCount: number

  /** When the current cycle started after a resolution (migration 0047). */
  @column.dateTime()
  declare reopenedAt: DateTime | null

  @column({ serializeAs: null })
  declare awaySentPeriod: string | null

  @column.dateTime({ serializeAs: null })
  declare greetingSentAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Contact)
  declare contact: BelongsTo<typeof Contact>

  @belongsTo(() => Channel)
  declare channel: BelongsTo<typeof Channel>

  @hasMany(() => Message)
  declare messages: HasMany<typeof Message>

  /** When the free-form window closes; null when the customer never wrote. */
  get serviceWindowEndsAt(): DateTime | null {
    return this.lastInboundAt?.plus({ hours: SERVICE_WINDOW_HOURS }) ?? null
  }

  isServiceWindowOpen(now = DateTime.now()) {
    const end = this.serviceWindowEndsAt
    return end !== null && end > now
  }
}
