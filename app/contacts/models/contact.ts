import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'

/**
 * A person the workspace talks to. The business-scoped user id (BSUID,
 * 2026) is the stable key when Meta sends it; the WhatsApp id / phone is a
 * nullable alias (it can be missing once a user adopts a username).
 */
export default class Contact extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare waId: string | null

  @column()
  declare bsuid: string | null

  @column()
  declare phone: string | null

  @column()
  declare name: string | null

  @column()
  declare profileName: string | null

  @column.dateTime()
  declare lastInboundAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  get displayName() {
    return this.name ?? this.profileName ?? this.phone ?? this.waId ?? this.bsuid ?? ''
  }
}
