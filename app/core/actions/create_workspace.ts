import { DateTime } from 'luxon'
import env from '#start/env'
import Workspace from '#core/models/workspace'
import Role from '#core/models/role'
import RolePermission from '#core/models/role_permission'
import Membership from '#core/models/membership'
import User from '#core/models/user'
import Plan from '#core/models/plan'
import { SYSTEM_ROLES } from '#core/permissions'
import { tenancy } from '#core/tenancy/context'
import { provisioning } from '#core/services/provisioning'
import { syncPermissionCatalog } from '#core/services/permission_catalog'
import { trialPlan } from '#core/services/default_plans'
import { audit } from '#core/services/audit'

export type CreateWorkspaceInput = {
  name: string
  slug: string
  owner: User
  locale?: string
  timezone?: string
  plan?: Plan
}

/**
 * Creates a workspace and provisions it: system roles with their
 * permissions, the owner's membership, and every module's defaults
 * (tags, business hours...). On any failure the workspace is removed so
 * a half-provisioned tenant never exists.
 */
export async function createWorkspace(input: CreateWorkspaceInput): Promise<Workspace> {
  await syncPermissionCatalog()
  const plan = input.plan ?? (await trialPlan())

  const workspace = await Workspace.create({
    name: input.name.trim(),
    slug: input.slug,
    status: plan.isTrial ? 'trial' : 'active',
    locale: input.locale ?? 'en',
    timezone: input.timezone ?? 'UTC',
    planId: plan.id,
    trialEndsAt: plan.isTrial ? DateTime.now().plus({ days: env.get('TRIAL_DAYS', 14) }) : null,
  })

  try {
    await tenancy.run(workspace.id, async () => {
      const roles = await Role.createMany(
        Object.entries(SYSTEM_ROLES).map(([key, role]) => ({
          key,
          name: role.name,
          isSystem: true,
        }))
      )
      await RolePermission.createMany(
        roles.flatMap((role) =>
          SYSTEM_ROLES[role.key!].permissions.map((permission) => ({ roleId: role.id, permission }))
        )
      )
      const owner = roles.find((role) => role.key === 'owner')!
      await Membership.create({ userId: input.owner.id, roleId: owner.id })
      for (const step of provisioning.steps()) {
        await step.run()
      }
    })
  } catch (error) {
    await workspace.delete()
    throw error
  }

  await audit({
    action: 'workspace.created',
    workspaceId: workspace.id,
    actorId: input.owner.id,
    target: { type: 'workspace', id: workspace.publicId },
    after: { name: workspace.name, slug: workspace.slug, plan: plan.slug },
  })
  return workspace
}
