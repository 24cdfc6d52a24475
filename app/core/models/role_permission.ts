import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { withTenancy } from '#core/tenancy/with_tenancy'
import type { Permission } from '#core/permissions'

/**
 * One permission granted to one role. `(workspace_id, role_id)` references
 * roles, so a grant can never point at another workspace's role.
 */
export default class RolePermission extends compose(BaseModel, withTenancy) {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare roleId: number

  @column()
  declare permission: Permission
}
