import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'

export const CONTACT_SOURCES = [
  'manual',
  'inbound',
  'import',
  'api',
  'widget',
  'merge',
  'campaign_list',
] as const
export type ContactSource = (typeof CONTACT_SOURCES)[number]

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

  @column()
  declare email: string | null

  @column()
  declare locale: string | null

  @column()
  declare timezone: string | null

  /** ISO 3166 alpha-2, from the phone number unless set. */
  @column()
  declare country: string | null

  @column()
  declare source: ContactSource

  /** Linked identity from QR (Baileys) channels. */
  @column()
  declare lid: string | null

  @column.dateTime()
  declare lastInboundAt: DateTime | null

  @column.dateTime()
  declare lastOutboundAt: DateTime | null

  @column.dateTime()
  declare lastSeenAt: DateTime | null

  @column()
  declare messagesIn: number

  @column()
  declare messagesOut: number

  @column()
  declare campaignsReceived: number

  @column()
  declare campaignsRead: number

  @column()
  declare campaignsReplied: number

  /** Set by a GDPR erasure: personal data is gone, the row keeps aggregates. */
  @column.dateTime()
  declare erasedAt: DateTime | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  get displayName() {
    return this.name ?? this.profileName ?? this.phone ?? this.waId ?? this.bsuid ?? ''
  }
}
