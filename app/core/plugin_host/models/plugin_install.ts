import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/**
 * Platform state of one plugin. No row means enabled (installing a plugin
 * is listing it in config/plugins.ts).
 */
export default class PluginInstall extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare pluginId: string

  @column({ consume: (value: unknown) => Boolean(value) })
  declare enabled: boolean

  @column()
  declare disabledReason: string | null

  @column()
  declare changedBy: number | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
