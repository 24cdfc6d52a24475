import type { HttpContext } from '@adonisjs/core/http'
import type { Permission } from '#core/permissions'
import db from '@adonisjs/lucid/services/db'
import Role from '#core/models/role'
import Membership from '#core/models/membership'
import RolePolicy from '#core/policies/role_policy'
import { roleValidator } from '#core/validators/settings'
import { createRole, deleteRole, updateRole } from '#core/actions/manage_roles'
import { syncPermissionCatalog } from '#core/services/permission_catalog'

export default class RolesController {
  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.with(RolePolicy).authorize('view')
    await syncPermissionCatalog()
    const roles = await Role.query().preload('grants').orderBy('is_system', 'desc').orderBy('id')
    const holders = await Membership.query()
      .select('role_id')
      .count('* as total')
      .groupBy('role_id')
    const countByRole = new Map(
      holders.map((row) => [Number(row.roleId), Number(row.$extras.total)])
    )
    const catalog = await db
      .from('permissions')
      .select('key', 'module', 'description')
      .orderBy('key')
    return inertia.render('settings/roles', {
      roles: roles.map((role) => ({
        id: role.publicId,
        name: role.name,
        key: role.key,
        description: role.description,
        isSystem: role.isSystem,
        permissions: role.permissionKeys,
        membersCount: countByRole.get(role.id) ?? 0,
      })),
      catalog,
    })
  }

  async store({ request, bouncer, workspace, response, session, i18n }: HttpContext) {
    await bouncer.with(RolePolicy).authorize('create')
    const payload = await request.validateUsing(roleValidator)
    await createRole(workspace, { ...payload, permissions: payload.permissions as Permission[] })
    session.flash('success', i18n.t('notices.role_created'))
    return response.redirect().back()
  }

  async update({ params, request, bouncer, workspace, response, session, i18n }: HttpContext) {
    const role = await Role.findByOrFail('public_id', params.role)
    await bouncer.with(RolePolicy).authorize('edit', role)
    const payload = await request.validateUsing(roleValidator)
    await updateRole(workspace, role, {
      ...payload,
      permissions: payload.permissions as Permission[],
    })
    session.flash('success', i18n.t('notices.role_updated'))
    return response.redirect().back()
  }

  async destroy({ params, bouncer, workspace, response, session, i18n }: HttpContext) {
    const role = await Role.findByOrFail('public_id', params.role)
    await bouncer.with(RolePolicy).authorize('delete', role)
    const holders = await deleteRole(workspace, role)
    session.flash(
      holders ? 'error' : 'success',
      holders ? i18n.t('notices.role_in_use', { count: holders }) : i18n.t('notices.role_deleted')
    )
    return response.redirect().back()
  }
}
