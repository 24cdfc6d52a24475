import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * `campaigns.approve` (issue 7 §2: "sending can require approval by a
 * Manager"): approval used to be tied to the Owner, Admin and Manager role
 * keys, so a custom role could never approve. It is now a permission;
 * existing workspaces' Owner, Admin and Manager roles are granted it.
 */
export default class extends BaseSchema {
  async up() {
    this.defer(async (db) => {
      const exists = await db.from('permissions').where('key', 'campaigns.approve').first()
      if (!exists) {
        await db.table('permissions').insert({
          key: 'campaigns.approve',
          module: 'campaigns',
          description: 'Approve or reject campaigns waiting for approval',
        })
      }
      const roles = await db
        .from('roles')
        .whereIn('key', ['owner', 'admin', 'manager'])
        .where('is_system', true)
        .select('id', 'workspace_id')
      const granted = new Set(
        (
          await db
            .from('role_permissions')
            .where('permission', 'campaigns.approve')
            .select('role_id')
        ).map((row: { role_id: number }) => Number(row.role_id))
      )
      const rows = roles
        .filter((role: { id: number }) => !granted.has(Number(role.id)))
        .map((role: { id: number; workspace_id: number }) => ({
          workspace_id: role.workspace_id,
          role_id: role.id,
          permission: 'campaigns.approve',
        }))
      for (let index = 0; index < rows.length; index += 500) {
        await db.table('role_permissions').multiInsert(rows.slice(index, index + 500))
      }
    })
  }

  async down() {
    this.defer(async (db) => {
      await db.from('role_permissions').where('permission', 'campaigns.approve').delete()
      await db.from('permissions').where('key', 'campaigns.approve').delete()
    })
  }
}
