import Membership from '#core/models/membership'
import Notification from '#core/models/notification'
import type Campaign from '#campaigns/models/campaign'

/**
 * User ids of the current workspace's approvers: members whose role grants
 * `campaigns.approve` (Owner, Admin and Manager by default; any custom role
 * it is given to).
 */
export async function approverIds(): Promise<number[]> {
  const memberships = await Membership.query().whereHas('role', (role) => {
    role.whereHas('grants', (grant) => {
      grant.where('permission', 'campaigns.approve')
    })
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
