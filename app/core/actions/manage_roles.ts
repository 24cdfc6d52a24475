import Role from '#core/models/role'
import RolePermission from '#core/models/role_permission'
import Membership from '#core/models/membership'
import type Workspace from '#core/models/workspace'
import type { Permission } from '#core/permissions'
import { audit } from '#core/services/audit'
import { fieldError } from '#core/validators/field_error'
import { syncPermissionCatalog } from '#core/services/permission_catalog'

export type RoleInput = { name: string; description?: string; permissions: Permission[] }

async function assertNameFree(name: string, except?: Role) {
  const query = Role.query().whereRaw('LOWER(name) = ?', [name.toLowerCase()])
  if (except) query.whereNot('id', except.id)
  if (await query.first()) fieldError('name', 'role_name_taken', { name })
}

async function replaceGrants(role: Role, permissions: Permission[]) {
  await syncPermissionCatalog()
  await RolePermission.query().where('role_id', role.id).delete()
  await RolePermission.createMany(
    permissions.map((permission) => ({ roleId: role.id, permission }))
  )
}

export async function createRole(workspace: Workspace, input: RoleInput) {
  await assertNameFree(input.name)
  const role = await Role.create({
    name: input.name,
    description: input.description ?? null,
    isSystem: false,
  })
  await replaceGrants(role, input.permissions)
  await audit({
    action: 'role.created',
    workspaceId: workspace.id,
    target: { type: 'role', id: role.publicId },
    after: { name: role.name, permissions: input.permissions },
  })
  return role
}

export async function updateRole(workspace: Workspace, role: Role, input: RoleInput) {
  await assertNameFree(input.name, role)
  await role.load('grants')
  const before = { name: role.name, permissions: role.permissionKeys }
  role.merge({ name: input.name, description: input.description ?? null })
  await role.save()
  await replaceGrants(role, input.permissions)
  await audit({
    action: 'role.updated',
    workspaceId: workspace.id,
    target: { type: 'role', id: role.publicId },
    before,
    after: { name: role.name, permissions: input.permissions },
  })
}

/**
 * Deletes a custom role; returns the number of members still holding it
 * (and deletes nothing) when it is in use.
 */
export async function deleteRole(workspace: Workspace, role: Role): Promise<number> {
  const [row] = await Membership.query().where('role_id', role.id).count('* as total')
  const holders = Number(row.$extras.total)
  if (holders > 0) return holders
  await role.delete()
  await audit({
    action: 'role.deleted',
    workspaceId: workspace.id,
    target: { type: 'role', id: role.publicId },
    before: { name: role.name },
  })
  return 0
}
