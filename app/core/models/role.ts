import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { withPublicId } from '#core/helpers/with_public_id'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { withTenancy } from '#core/tenancy/with_tenancy'
import RolePermission from '#core/models/role_permission'
import type { Permission } from '#core/permissions'

/**
 * A role in one workspace: a copy of a system role (key set, read-only) or
 * a custom role composed by the workspace admins.
 */
export default class Role extends compose(BaseModel, withTenancy, withPublicId) {
  @column({ isPrimary: true, serializeAs: null })
  declare id: number

  @column()
  declare key: string | null

  @column()
  declare name: string

  @column()
  declare description: string | null

  @column({ consume: (value: unknown) => Boolean(value) })
  declare isSystem: boolean

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @hasMany(() => RolePermission)
  declare grants: HasMany<typeof RolePermission>

  get permissionKeys(): Permission[] {
    return (this.grants ?? []).map((grant) => grant.permission)
  }
}
