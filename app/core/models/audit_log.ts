import { DateTime } from 'luxon'
import { BaseModel, beforeDelete, beforeUpdate, belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { jsonColumn } from '#core/helpers/json_column'
import User from '#core/models/user'
import Workspace from '#core/models/workspace'

/**
 * Append-only audit trail. Platform table: `workspace_id` is null for
 * platform actions. Rows are never updated or deleted; the model refuses.
 * Written only through `#core/services/audit`.
 */
export default class AuditLog extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare workspaceId: number | null

  @column()
  declare actorId: number | null

  @column()
  declare action: string

  @column()
  declare targetType: string | null

  @column()
  declare targetId: string | null

  @jsonColumn<Record<string, unknown> | null>(null)
  declare before: Record<string, unknown> | null

  @jsonColumn<Record<string, unknown> | null>(null)
  declare after: Record<string, unknown> | null

  @column()
  declare ip: string | null

  @column()
  declare userAgent: string | null

  @column()
  declare route: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @belongsTo(() => User, { foreignKey: 'actorId' })
  declare actor: BelongsTo<typeof User>

  @belongsTo(() => Workspace)
  declare workspace: BelongsTo<typeof Workspace>

  @beforeUpdate()
  @beforeDelete()
  static refuse() {
    throw new Error('Audit log rows are append-only')
  }
}
