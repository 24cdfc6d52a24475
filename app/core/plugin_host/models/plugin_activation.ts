import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { jsonColumn } from '#core/helpers/json_column'

/**
 * A plugin activated (or deactivated) by one workspace, with that
 * workspace's settings for it. Secret settings are stored encrypted
 * (see #core/plugin_host/settings); this row never leaves the server as is.
 */
export default class PluginActivation extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare pluginId: string

  @column({ consume: (value: unknown) => Boolean(value) })
  declare active: boolean

  @jsonColumn<Record<string, unknown>>({}, { serializeAs: null })
  declare settings: Record<string, unknown>

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
