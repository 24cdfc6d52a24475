import db from '@adonisjs/lucid/services/db'
import type { LucidModel } from '@adonisjs/lucid/types/model'
import Membership from '#core/models/membership'
import Plan from '#core/models/plan'
import Role from '#core/models/role'
import RolePermission from '#core/models/role_permission'
import Workspace from '#core/models/workspace'

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

/** `alias.column as prefix__column` for every column a model declares. */
function aliased(model: LucidModel, alias: string, prefix: string) {
  return [...model.$columnsDefinitions.values()].map(
    ({ columnName }) => `${alias}.${columnName} as ${prefix}__${columnName}`
  )
}

/** The columns of `row` under `prefix__`, without the prefix. */
function unprefixed(row: Record<string, unknown>, prefix: string) {
  const columns: Record<string, unknown> = {}
  const start = `${prefix}__`
  for (const [column, value] of Object.entries(row)) {
    if (column.startsWith(start)) columns[column.slice(start.length)] = value
  }
  return columns
}

/** The role's granted permission keys as one comma-separated list (`role__permissions`). */
function permissionList() {
  return db
    .from('role_permissions as rp')
    .whereColumn('rp.workspace_id', 'r.workspace_id')
    .whereColumn('rp.role_id', 'r.id')
    .select(db.raw('GROUP_CONCAT(rp.permission)'))
    .as('role__permissions')
}

/**
 * A membership row (its own columns unprefixed, the role's under `role__`)
 * as the models `Membership.query().preload('role', (r) => r.preload('grants'))`
 * gives.
 */
function membershipFrom(row: Record<string, unknown>, workspaceId: number): Membership {
  const membershipColumns: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(row)) {
    if (!column.includes('__')) membershipColumns[column] = value
  }
  const roleColumns = unprefixed(row, 'role')
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

/**
 * The user's membership of a workspace with its role and the role's
 * permissions, in one statement: the membership row, its role's columns
 * under `role__` aliases and the granted permission keys as one
 * comma-separated list. Explicitly scoped to `workspaceId` on every table.
 * Returns models shaped as
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
    .select(permissionList())
    .first()
  return row ? membershipFrom(row, workspaceId) : null
}

/**
 * What every `/w/:workspace` request needs, in ONE statement: the
 * workspace of this slug with its plan (`Workspace.query().preload('plan')`),
 * and the user's membership of it with role and permissions (as
 * `findMemberWithRole` gives), or null when the user is not a member.
 * Null when no workspace has this slug. The membership side is a left
 * join on the workspace's own id, so it never reaches another tenant.
 */
export async function findWorkspaceMember(
  slug: string,
  userId: number
): Promise<{ workspace: Workspace; membership: Membership | null } | null> {
  const row: Record<string, unknown> | null = await db
    .from('workspaces as w')
    .leftJoin('plans as p', 'p.id', 'w.plan_id')
    .leftJoin('memberships as m', (join) => {
      join.on('m.workspace_id', '=', 'w.id').andOnVal('m.user_id', '=', userId)
    })
    .leftJoin('roles as r', (join) => {
      join.on('r.workspace_id', '=', 'm.workspace_id').andOn('r.id', '=', 'm.role_id')
    })
    .where('w.slug', slug)
    .select('m.*')
    .select(aliased(Workspace, 'w', 'workspace'))
    .select(aliased(Plan, 'p', 'plan'))
    .select(ROLE_COLUMNS.map((column) => `r.${column} as role__${column}`))
    .select(permissionList())
    .first()
  if (!row) return null

  const workspace = Workspace.$createFromAdapterResult(unprefixed(row, 'workspace'))!
  if (row.plan__id !== null && row.plan__id !== undefined) {
    workspace.$setRelated('plan', Plan.$createFromAdapterResult(unprefixed(row, 'plan'))!)
  }
  const membership =
    row.id === null || row.id === undefined || row.role__id === null
      ? null
      : membershipFrom(row, workspace.id)
  return { workspace, membership }
}
