import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, beforeDelete, beforeUpdate, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'

export const CONSENT_EVENTS = ['opt_in', 'opt_out'] as const
export const CONSENT_SCOPES = ['marketing', 'utility'] as const
export const CONSENT_CHANNELS = ['whatsapp'] as const
export const CONSENT_SOURCES = [
  'import',
  'form',
  'keyword',
  'agent',
  'api',
  'meta_user_preferences',
  'error_131050',
] as const

export type ConsentEventKind = (typeof CONSENT_EVENTS)[number]
export type ConsentScope = (typeof CONSENT_SCOPES)[number]
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number]
export type ConsentSource = (typeof CONSENT_SOURCES)[number]

/**
 * One opt-in or opt-out, as it happened. Append-only: the model refuses
 * updates and deletes (a contact's erasure cascades at the database level
 * only when the contact row itself goes). Written only through
 * `#contacts/services/consent`.
 */
export default class ConsentEvent extends compose(BaseModel, withTenancy) {
  static table = 'consent_events'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare contactId: number

  @column()
  declare event: ConsentEventKind

  @column()
  declare channel: ConsentChannel

  @column()
  declare scope: ConsentScope

  @column()
  declare source: ConsentSource

  @column()
  declare proofText: string | null

  @column()
  declare proofIp: string | null

  @column()
  declare proofFileRow: number | null

  @column()
  declare messageId: number | null

  @column()
  declare actorId: number | null

  @column({ serializeAs: null })
  declare dedupeKey: string | null

  @column.dateTime()
  declare occurredAt: DateTime

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @beforeUpdate()
  @beforeDelete()
  static refuse() {
    throw new Error('Consent events are append-only')
  }
}
