import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import { withPublicId } from '#core/helpers/with_public_id'

export type ReplyVisibility = 'personal' | 'team' | 'workspace'

/**
 * A canned answer agents insert with `/shortcut`. Personal when `ownerId`
 * is set (only its owner sees it), shared with a team when `teamId` is set
 * (that team's members), otherwise shared with the whole workspace.
 */
export default class SavedReply extends compose(BaseModel, withTenancy, withPublicId) {
  static table = 'saved_replies'

  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare shortcut: string

  @column()
  declare title: string

  @column()
  declare body: string

  @column()
  declare category: string | null

  @column({ serializeAs: null })
  declare ownerId: number | null

  @column({ serializeAs: null })
  declare teamId: number | null

  @column()
  declare usageCount: number

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  get visibility(): ReplyVisibility {
    if (this.ownerId !== null) return 'personal'
    if (this.teamId !== null) return 'team'
    return 'workspace'
  }
}
