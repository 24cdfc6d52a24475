import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import Conversation from '#inbox/models/conversation'
import User from '#core/models/user'

export type ScheduledStatus = 'scheduled' | 'sending' | 'sent' | 'failed' | 'cancelled'

/**
 * A text message an agent wrote to be sent later (at most 30 days ahead).
 * `sendAt` is the instant; `timezone` the IANA zone the agent's local time
 * was read in. The `inbox.scheduled_sweep` job claims due rows
 * (scheduled → sending) and sends them; a failure is kept with its error.
 */
export default class ScheduledMessage extends compose(BaseModel, withTenancy, withPublicId) {
  static table = 'scheduled_messages'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare conversationId: number

  @column({ serializeAs: null })
  declare createdById: number | null

  @column()
  declare body: string

  @column.dateTime()
  declare sendAt: DateTime

  @column()
  declare timezone: string

  @column()
  declare status: ScheduledStatus

  @column({ serializeAs: null })
  declare messageId: number | null

  /** An exception code (E_OUTSIDE_SERVICE_WINDOW…) or a message. */
  @column()
  declare error: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @belongsTo(() => Conversation)
  declare conversation: BelongsTo<typeof Conversation>

  @belongsTo(() => User, { foreignKey: 'createdById' })
  declare createdBy: BelongsTo<typeof User>
}
