import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import { Bouncer } from '@adonisjs/bouncer'
import type Workspace from '#core/models/workspace'
import { findWorkspaceMember } from '#core/queries/find_member'
import { tenancy } from '#core/tenancy/context'
import { MemberActor, abilities } from '#core/authorization'
import { policies } from '#core/policies/main'
import { CrossTenantAccessException } from '#core/exceptions/cross_tenant_access_exception'
import { listUserWorkspaces } from '#core/queries/list_user_workspaces'
import { memberNotifications } from '#core/queries/member_notifications'
import { ALL_PERMISSIONS, type Permission } from '#core/permissions'
import { WorkspaceSuspendedException } from '#core/exceptions/workspace_suspended_exception'

/**
 * Resolves `/w/:workspace/...`: the workspace, the user's membership and
 * role, then runs the rest of the request inside that workspace's tenant
 * context. A user who is not a member gets a 404 and an audit row.
 */
export default class WorkspaceMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const user = ctx.auth.getUserOrFail()
    const slug = String(ctx.params.workspace ?? '')
    // The workspace, its plan, and the user's membership, role and
    // permissions in one statement (every request asks).
    const found = await findWorkspaceMember(slug, user.id)
    if (!found) {
      return ctx.response.notFound('Not found')
    }
    const { workspace, membership } = found
    if (!membership) {
      throw new CrossTenantAccessException({ type: 'workspace', id: slug }, workspace.id)
    }
    if (workspace.isSuspended) {
      throw new WorkspaceSuspendedException(workspace)
    }

    const permissions = new Set<Permission>(membership.role.permissionKeys)
    const actor = new MemberActor(user, membership, membership.role, permissions)
    ctx.workspace = workspace
    ctx.member = actor
    ctx.bouncer = new Bouncer(() => actor, abilities, policies).setContainerResolver(
      ctx.containerResolver
    )

    ctx.inertia.share({
      workspace: {
        slug: workspace.slug,
        name: workspace.name,
        status: workspace.status,
        plan: workspace.plan.name,
        trialEndsAt: workspace.trialEndsAt?.toISO() ?? null,
      },
      member: { role: membership.role.name, roleKey: membership.role.key },
      can: Object.fromEntries(ALL_PERMISSIONS.map((key) => [key, permissions.has(key)])),
      // Lazy: computed only when a page renders (and asks for them), not
      // for the JSON endpoints behind the same middleware.
      workspaces: () => listUserWorkspaces(user),
      notifications: () => tenancy.run(workspace.id, () => memberNotifications(user.id)),
    })

    return tenancy.run(workspace.id, () => next())
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    workspace: Workspace
    member: MemberActor
    bouncer: Bouncer<MemberActor, typeof abilities, typeof policies>
  }
}
