import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'
import Conversation from '#inbox/models/conversation'

/** `note`: an internal note, never sent to the customer. */
export type MessageDirection = 'in' | 'out' | 'note'
export type MessageStatus =
  'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'played' | 'failed'

/**
 * Delivery progress only moves forward: a late `delivered` after `read`
 * changes nothing. `failed` ends a message that was not yet delivered.
 */
export const STATUS_RANK: Record<MessageStatus, number> = {
  received: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  failed: 4,
  delivered: 5,
  read: 6,
  played: 7,
}

export default class Message extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare conversationId: number

  @column({ serializeAs: null })
  declare channelId: number

  @column()
  declare direction: MessageDirection

  @column()
  declare providerMessageId: string | null

  @column()
  declare type: string

  @column()
  declare body: string | null

  @jsonColumn<Record<string, unknown>>({})
  declare payload: Record<string, unknown>

  @column()
  declare status: MessageStatus

  @column()
  declare replyToProviderId: string | null

  @column()
  declare mediaPath: string | null

  @column()
  declare mediaMime: string | null

  @column()
  declare errorCode: number | null

  @column()
  declare errorTitle: string | null

  @column()
  declare errorMessage: string | null

  @column()
  declare attempts: number

  @column({ serializeAs: null })
  declare sentById: number | null

  @column.dateTime()
  declare providerTimestamp: DateTime | null

  @column.dateTime()
  declare sentAt: DateTime | null

  @column.dateTime()
  declare deliveredAt: DateTime | null

  @column.dateTime()
  declare readAt: DateTime | null

  @column.dateTime()
  declare failedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Conversation)
  declare conversation: BelongsTo<typeof Conversation>
}
