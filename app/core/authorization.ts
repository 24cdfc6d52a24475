import { Bouncer } from '@adonisjs/bouncer'
import type User from '#core/models/user'
import type Membership from '#core/models/membership'
import type Role from '#core/models/role'
import type { Permission } from '#core/permissions'

/**
 * Who is acting inside a workspace: the user, their membership, their
 * role and the permissions it grants. Bouncer abilities and policies
 * receive it as their "user".
 */
export class MemberActor {
  constructor(
    public user: User,
    public membership: Membership,
    public role: Role,
    public permissions: ReadonlySet<Permission>
  ) {}

  can(permission: Permission) {
    return this.permissions.has(permission)
  }

  get isOwner() {
    return this.role.key === 'owner'
  }
}

/**
 * The generic ability: does the member's role grant this permission?
 * `await bouncer.authorize('permit', 'contacts.export')`
 */
export const permit = Bouncer.ability((actor: MemberActor, permission: Permission) =>
  actor.can(permission)
)

export const abilities = { permit }
