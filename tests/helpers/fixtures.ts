import { randomBytes } from 'node:crypto'
import { createUser } from '#core/actions/create_user'
import { createWorkspace } from '#core/actions/create_workspace'
import Membership from '#core/models/membership'
import Role from '#core/models/role'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'

export const PASSWORD = 'secret-pass-1'

export function unique(prefix: string) {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

export async function makeUser(
  overrides: Partial<{
    email: string
    fullName: string
    isSuperAdmin: boolean
    locale: string
  }> = {}
) {
  return createUser({
    email: overrides.email ?? `${unique('user')}@example.test`,
    fullName: overrides.fullName ?? 'Test User',
    password: PASSWORD,
    isSuperAdmin: overrides.isSuperAdmin ?? false,
    emailVerified: true,
    locale: overrides.locale,
  })
}

/**
 * A provisioned workspace with its owner.
 */
export async function makeWorkspace(owner?: User): Promise<{ workspace: Workspace; owner: User }> {
  const user = owner ?? (await makeUser({ fullName: 'Owner' }))
  const slug = unique('ws')
  const workspace = await createWorkspace({ name: `Workspace ${slug}`, slug, owner: user })
  return { workspace, owner: user }
}

/**
 * Adds `user` to `workspace` with the system role `roleKey`.
 */
export async function addMember(workspace: Workspace, user: User, roleKey: string) {
  return tenancy.run(workspace.id, async () => {
    const role = await Role.query().where('key', roleKey).firstOrFail()
    return Membership.create({ userId: user.id, roleId: role.id })
  })
}
