import db from '@adonisjs/lucid/services/db'
import Membership from '#core/models/membership'
import Role from '#core/models/role'
import RolePermission from '#core/models/role_permission'

const ROLE_COLUMNS = [
  'id',
  'public_id',
  'workspace_id',
  'key',
  'name',
  'description',
  'is_system',
  'created_at',
  'updated_at',
] as const

/**
 * The user's membership of a workspace with its role and the role's
 * permissions, in one statement (every `/w/:workspace` request asks): the
 * membership row, its role's columns under `role__` aliases and the
 * granted permission keys as one comma-separated list. Explicitly scoped
 * to `workspaceId` on every table. Returns models shaped as
 * `Membership.query().preload('role', (r) => r.preload('grants'))` gives.
 */
export async function findMemberWithRole(
  workspaceId: number,
  userId: number
): Promise<Membership | null> {
  const row = await db
    .from('memberships as m')
    .join('roles as r', (join) => {
      join.on('r.workspace_id', '=', 'm.workspace_id').andOn('r.id', '=', 'm.role_id')
    })
    .where('m.workspace_id', workspaceId)
    .where('m.user_id', userId)
    .select('m.*')
    .select(ROLE_COLUMNS.map((column) => `r.${column} as role__${column}`))
    .select(
      db
        .from('role_permissions as rp')
        .whereColumn('rp.workspace_id', 'r.workspace_id')
        .whereColumn('rp.role_id', 'r.id')
        .select(db.raw('GROUP_CONCAT(rp.permission)'))
        .as('role__permissions')
    )
    .first()
  if (!row) return null

  const membershipColumns: Record<string, unknown> = {}
  const roleColumns: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(row as Record<string, unknown>)) {
    if (column.startsWith('role__')) roleColumns[column.slice(6)] = value
    else membershipColumns[column] = value
  }
  const keys = String(roleColumns.permissions ?? '')
    .split(',')
    .filter(Boolean)
  delete roleColumns.permissions

  const membership = Membership.$createFromAdapterResult(membershipColumns)!
  const role = Role.$createFromAdapterResult(roleColumns)!
  role.$setRelated(
    'grants',
    keys.map((permission) =>
      RolePermission.$createFromAdapterResult({
        workspace_id: workspaceId,
        role_id: role.id,
        permission,
      })!
    )
  )
  membership.$setRelated('role', role)
  return membership
}
