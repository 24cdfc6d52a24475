import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { encryptedColumn } from '#core/helpers/encrypted_column'
import { jsonColumn } from '#core/helpers/json_column'
import type { ChannelCredentials } from '#channels/driver'

export type ChannelStatus = 'connected' | 'degraded' | 'disconnected'

/**
 * A WhatsApp number (or another channel) of one workspace.
 */
export default class Channel extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare driver: string

  @column()
  declare name: string

  @column()
  declare displayPhoneNumber: string | null

  @column()
  declare phoneNumberId: string | null

  @column()
  declare wabaId: string | null

  @encryptedColumn()
  declare accessToken: string | null

  @encryptedColumn()
  declare appSecret: string | null

  /** Random key in the URL of /webhooks/meta/:channelKey (own Meta app). */
  @column({ serializeAs: null })
  declare webhookKey: string

  @encryptedColumn()
  declare verifyToken: string | null

  @jsonColumn<Record<string, unknown>>({}, { serializeAs: null })
  declare settings: Record<string, unknown>

  @column()
  declare status: ChannelStatus

  @column()
  declare qualityRating: string | null

  @column()
  declare messagingLimit: string | null

  @column.dateTime()
  declare lastHealthCheckAt: DateTime | null

  @column()
  declare lastError: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  credentials(): ChannelCredentials {
    return {
      phoneNumberId: this.phoneNumberId,
      wabaId: this.wabaId,
      accessToken: this.accessToken,
      appSecret: this.appSecret,
      extra: this.settings ?? {},
    }
  }
}
