import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'
import type { TemplateCategory, TemplateComponent, TemplateStatus } from '#templates/types'

/**
 * A WhatsApp message template of one WABA, in one language. `components`
 * is Meta's own shape (HEADER / BODY / FOOTER / BUTTONS with examples), so
 * what is submitted, synced and sent is the same object. `status` is
 * Meta's (PENDING, APPROVED, …) or DRAFT before submission. Only APPROVED
 * may be sent (`#templates/services/guard`).
 */
export default class MessageTemplate extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare channelId: number | null

  @column()
  declare wabaId: string

  @column()
  declare metaTemplateId: string | null

  @column()
  declare name: string

  @column()
  declare language: string

  @column()
  declare category: TemplateCategory

  @column()
  declare parameterFormat: 'positional' | 'named'

  @jsonColumn<TemplateComponent[]>([])
  declare components: TemplateComponent[]

  @column()
  declare status: TemplateStatus

  @column()
  declare rejectedReason: string | null

  @column()
  declare rejectionDetail: string | null

  @column()
  declare qualityScore: string | null

  @column.dateTime()
  declare pausedUntil: DateTime | null

  @column()
  declare pauseReason: string | null

  @column.dateTime()
  declare disableDate: DateTime | null

  @column()
  declare pendingCategory: string | null

  @column.dateTime()
  declare categoryChangeAt: DateTime | null

  /** ISO times of edits made while APPROVED (Meta: 1 per 24 h, 10 per 30 days). */
  @jsonColumn<string[]>([])
  declare approvedEdits: string[]

  @column({ serializeAs: null })
  declare createdBy: number | null

  @column.dateTime()
  declare submittedAt: DateTime | null

  @column.dateTime()
  declare statusChangedAt: DateTime | null

  @column.dateTime()
  declare lastSyncedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
