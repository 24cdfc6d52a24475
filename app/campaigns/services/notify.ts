import Membership from '#core/models/membership'
import Notification from '#core/models/notification'
import type Campaign from '#campaigns/models/campaign'

/** Roles that may approve a campaign when the workspace requires approval. */
export const APPROVER_ROLES = ['owner', 'admin', 'manager']

/** User ids of the current workspace's approvers. */
export async function approverIds(): Promise<number[]> {
  const memberships = await Membership.query().whereHas('role', (role) => {
    role.whereIn('key', APPROVER_ROLES)
  })
  return memberships.map((membership) => membership.userId)
}

/** Bell notifications about one campaign (types `campaigns.*`, ui.notifications.types). */
export async function notifyCampaign(
  userIds: (number | null | undefined)[],
  type: 'campaigns.approval_requested' | 'campaigns.rejected' | 'campaigns.failed_to_start',
  campaign: Campaign,
  extra: Record<string, string> = {}
) {
  const ids = [...new Set(userIds.filter((id): id is number => typeof id === 'number'))]
  if (!ids.length) return
  await Notification.createMany(
    ids.map((userId) => ({
      userId,
      type,
      data: { campaign: campaign.publicId, name: campaign.name, ...extra },
    }))
  )
}
