import Membership from '#core/models/membership'

/**
 * User ids of the current workspace's owners and admins.
 */
export async function workspaceAdmins(): Promise<number[]> {
  const memberships = await Membership.query().whereHas('role', (role) => {
    role.whereIn('key', ['owner', 'admin'])
  })
  return memberships.map((membership) => membership.userId)
}
