import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'
import { jsonColumn } from '#core/helpers/json_column'

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'dropdown', 'checkbox'] as const
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number]

/**
 * A workspace-defined contact field. Values are stored typed in
 * `contact_field_values` (see app/contacts/services/custom_fields.ts).
 */
export default class CustomField extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  /** Machine name: imports, segments, the API and `{{contact.<key>}}`. */
  @column()
  declare key: string

  @column()
  declare label: string

  @column()
  declare type: CustomFieldType

  /** Dropdown choices, in display order. */
  @jsonColumn<string[]>([])
  declare options: string[]

  @column({ consume: (value: unknown) => Boolean(value) })
  declare required: boolean

  @column()
  declare position: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
