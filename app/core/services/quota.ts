import { DateTime } from 'luxon'
import Workspace from '#core/models/workspace'
import Plan, { type PlanLimit } from '#core/models/plan'
import Membership from '#core/models/membership'
import Notification from '#core/models/notification'
import User from '#core/models/user'
import { sendActionMail } from '#core/mail/messages'
import { PlanLimitReachedException } from '#core/exceptions/plan_limit_reached_exception'
import { tenancy } from '#core/tenancy/context'
import { workspaceAdmins } from '#core/queries/workspace_admins'

/**
 * Counts the current usage of one limit in the current workspace. Core
 * registers `members`; each module registers the limits it owns
 * (channels, contacts, messages_per_month, storage_mb).
 */
export type UsageCounter = () => Promise<number>

const counters = new Map<PlanLimit, UsageCounter>()

counters.set('members', async () => {
  const [row] = await Membership.query().count('* as total')
  return Number(row.$extras.total)
})

export const LIMIT_LABELS: Record<PlanLimit, string> = {
  members: 'members',
  channels: 'WhatsApp numbers',
  contacts: 'contacts',
  messages_per_month: 'messages this month',
  storage_mb: 'MB of storage',
  qr_channels: 'QR-code numbers',
}

export const quota = {
  registerUsage(limit: PlanLimit, counter: UsageCounter) {
    counters.set(limit, counter)
  },

  async usage(limit: PlanLimit): Promise<number> {
    const counter = counters.get(limit)
    if (!counter) {
      throw new Error(`No usage counter is registered for the "${limit}" limit`)
    }
    return counter()
  },

  /**
   * Throws E_PLAN_LIMIT_REACHED when adding `increment` would exceed the
   * workspace plan's limit, and tells the workspace admins (once a day per
   * limit). Runs inside the workspace's tenant context.
   */
  async assertWithinLimit(workspace: Workspace, limit: PlanLimit, increment = 1) {
    const plan = workspace.plan ?? (await Plan.findOrFail(workspace.planId))
    const allowed = plan.limit(limit)
    if (allowed === null) return

    const current = await tenancy.run(workspace.id, () => quota.usage(limit))
    if (current + increment <= allowed) return

    const label = LIMIT_LABELS[limit]
    await tenancy.run(workspace.id, () => notifyAdmins(workspace, limit, { allowed, current }))
    throw new PlanLimitReachedException(
      `Your ${plan.name} plan allows ${allowed} ${label}; you have ${current} and tried to add ${increment}. ` +
        `Upgrade the plan in Settings → Billing or ask your provider to raise the limit.`,
      { limit, allowed, current, requested: increment }
    )
  },
}

async function notifyAdmins(
  workspace: Workspace,
  limit: PlanLimit,
  figures: { allowed: number; current: number }
) {
  const since = DateTime.now().minus({ hours: 24 })
  const recent = await Notification.query()
    .where('type', 'plan.limit_reached')
    .where('created_at', '>=', since.toSQL({ includeOffset: false })!)
    .where('data', 'like', `%"limit":"${limit}"%`)
    .first()
  if (recent) return

  const admins = await workspaceAdmins()
  await Notification.createMany(
    admins.map((userId) => ({
      userId,
      type: 'plan.limit_reached',
      data: { limit, ...figures, workspace: workspace.slug },
    }))
  )
  const plan = workspace.plan ?? (await Plan.findOrFail(workspace.planId))
  for (const user of await User.query().whereIn('id', admins)) {
    await sendActionMail({
      to: user.email,
      locale: user.locale,
      key: 'plan_limit',
      params: {
        workspace: workspace.name,
        plan: plan.name,
        allowed: figures.allowed,
        label: LIMIT_LABELS[limit],
      },
      path: `/w/${workspace.slug}`,
    })
  }
}
