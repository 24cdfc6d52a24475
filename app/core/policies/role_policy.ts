import { BasePolicy } from '@adonisjs/bouncer'
import type { AuthorizerResponse } from '@adonisjs/bouncer/types'
import type { MemberActor } from '#core/authorization'
import type Role from '#core/models/role'

export default class RolePolicy extends BasePolicy {
  view(actor: MemberActor): AuthorizerResponse {
    return actor.can('settings.roles') || actor.can('settings.members')
  }

  create(actor: MemberActor): AuthorizerResponse {
    return actor.can('settings.roles')
  }

  /**
   * System roles are read-only for everyone.
   */
  edit(actor: MemberActor, role: Role): AuthorizerResponse {
    return actor.can('settings.roles') && !role.isSystem
  }

  delete(actor: MemberActor, role: Role): AuthorizerResponse {
    return actor.can('settings.roles') && !role.isSystem
  }
}
