import { BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'
import type { MemberActor } from '#core/authorization'
import type Membership from '#core/models/membership'
import type Role from '#core/models/role'

export default class MemberPolicy extends BasePolicy {
  view(actor: MemberActor): AuthorizerResponse {
    return actor.can('settings.members')
  }

  invite(actor: MemberActor, role?: Role): AuthorizerResponse {
    if (!actor.can('settings.members')) return false
    // Only an owner can hand out the owner role.
    if (role?.key === 'owner' && !actor.isOwner) return false
    return true
  }

  changeRole(actor: MemberActor, membership: Membership, role: Role): AuthorizerResponse {
    if (!actor.can('settings.members')) return false
    if (membership.id === actor.membership.id) return false
    const touchesOwner = membership.role?.key === 'owner' || role.key === 'owner'
    return touchesOwner ? actor.isOwner : true
  }

  remove(actor: MemberActor, membership: Membership): AuthorizerResponse {
    if (!actor.can('settings.members')) return false
    if (membership.id === actor.membership.id) return false
    if (membership.role?.key === 'owner') return actor.isOwner
    return true
  }
}
