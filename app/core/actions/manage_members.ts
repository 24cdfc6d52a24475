import type Membership from '#core/models/membership'
import type Role from '#core/models/role'
import type Workspace from '#core/models/workspace'
import emitter from '@adonisjs/core/services/emitter'
import { audit } from '#core/services/audit'

export async function changeMemberRole(workspace: Workspace, membership: Membership, role: Role) {
  await membership.load('user')
  await membership.load('role')
  const before = membership.role.name
  membership.roleId = role.id
  await membership.save()
  await audit({
    action: 'member.role_changed',
    workspaceId: workspace.id,
    target: { type: 'user', id: membership.user.publicId },
    before: { role: before },
    after: { role: role.name, email: membership.user.email },
  })
}

export async function removeMember(workspace: Workspace, membership: Membership) {
  await membership.load('user')
  await membership.load('role')
  await membership.delete()
  await audit({
    action: 'member.removed',
    workspaceId: workspace.id,
    target: { type: 'user', id: membership.user.publicId },
    before: { email: membership.user.email, role: membership.role.name },
  })
  // Modules clean up after the member (the inbox unassigns their conversations).
  await emitter.emit('workspace:member_removed', {
    workspaceId: workspace.id,
    userId: membership.userId,
  })
}

declare module '@adonisjs/core/types' {
  interface EventsList {
    'workspace:member_removed': { workspaceId: number; userId: number }
  }
}
