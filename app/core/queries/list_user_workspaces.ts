import db from '@adonisjs/lucid/services/db'
import Workspace from '#core/models/workspace'
import type User from '#core/models/user'

export type WorkspaceSummary = { slug: string; name: string; status: string }

/**
 * The workspaces a user belongs to (the workspace switcher, the landing
 * page after login). This reads the platform `workspaces` table and only
 * checks membership rows for this user; it returns no tenant-owned data.
 */
export async function listUserWorkspaces(user: User): Promise<WorkspaceSummary[]> {
  const workspaces = await Workspace.query()
    .whereIn('id', db.from('memberships').select('workspace_id').where('user_id', user.id))
    .orderBy('name')
  return workspaces.map((workspace) => ({
    slug: workspace.slug,
    name: workspace.name,
    status: workspace.status,
  }))
}
