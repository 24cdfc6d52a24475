import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { jsonColumn } from '#core/helpers/json_column'

/**
 * `field_changed` (name = field key, data {from, to}), `merged`
 * (data {from: public id}), `imported` (data {import}), `created`,
 * `campaign_received|read|replied` (issue 7) and `custom` (name = the
 * event name recorded through the API, data = its properties).
 */
export type ContactEventKind =
  | 'created'
  | 'field_changed'
  | 'merged'
  | 'imported'
  | 'campaign_received'
  | 'campaign_read'
  | 'campaign_replied'
  | 'custom'

/** One entry of a contact's timeline that has no table of its own. */
export default class ContactEvent extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column({ serializeAs: null })
  declare contactId: number

  @column()
  declare kind: ContactEventKind

  @column()
  declare name: string | null

  @jsonColumn<Record<string, unknown>>({})
  declare data: Record<string, unknown>

  @column({ serializeAs: null })
  declare actorId: number | null

  @column.dateTime()
  declare occurredAt: DateTime
}
