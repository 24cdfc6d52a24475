import type User from '#core/models/user'
import { listUserWorkspaces } from '#core/queries/list_user_workspaces'

/**
 * Where a user lands after logging in: a safe local `next`, else their only
 * workspace, else the workspace picker (or /admin for a super admin with
 * no workspace).
 */
export async function landingPath(user: User, next?: string | null): Promise<string> {
  // Only same-site paths: `//host` and `/\host` would leave the site.
  if (next && /^\/(?![/\\])/.test(next)) return next
  const workspaces = await listUserWorkspaces(user)
  if (workspaces.length === 1) return `/w/${workspaces[0].slug}`
  if (workspaces.length === 0 && user.isSuperAdmin) return '/admin/workspaces'
  return '/workspaces'
}
