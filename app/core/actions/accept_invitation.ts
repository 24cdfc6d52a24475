import { DateTime } from 'luxon'
import Invitation from '#core/models/invitation'
import Membership from '#core/models/membership'
import User from '#core/models/user'
import Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { hashToken } from '#core/services/tokens'
import { quota } from '#core/services/quota'
import { audit } from '#core/services/audit'
import { createUser } from '#core/actions/create_user'
import { workspaceIdForInvitationToken } from '#core/actions/invite_member'

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'revoked'

export type LoadedInvitation = {
  invitation: Invitation
  workspace: Workspace
  status: InvitationStatus
}

export async function loadInvitation(token: string): Promise<LoadedInvitation | null> {
  const tokenHash = hashToken(token)
  const workspaceId = await workspaceIdForInvitationToken(tokenHash)
  if (!workspaceId) return null
  const workspace = await Workspace.findOrFail(workspaceId)
  const invitation = await tenancy.run(workspaceId, () =>
    Invitation.query()
      .where('token_hash', tokenHash)
      .preload('role')
      .preload('invitedBy')
      .firstOrFail()
  )
  const status: InvitationStatus = invitation.acceptedAt
    ? 'accepted'
    : invitation.revokedAt
      ? 'revoked'
      : invitation.expiresAt < DateTime.now()
        ? 'expired'
        : 'pending'
  return { invitation, workspace, status }
}

export class InvitationNotAcceptableError extends Error {
  constructor(public reason: 'not_pending' | 'wrong_account' | 'needs_login' | 'needs_details') {
    super(reason)
  }
}

/**
 * Accepts a pending invitation: as the signed-in user (whose email must
 * match), or by creating the account from `details`. Returns the member.
 */
export async function acceptInvitation(
  loaded: LoadedInvitation,
  signedIn: User | null,
  details: { fullName?: string; password?: string }
): Promise<User> {
  const { invitation, workspace } = loaded
  if (loaded.status !== 'pending') throw new InvitationNotAcceptableError('not_pending')

  let user = signedIn
  if (user && user.email !== invitation.email)
    throw new InvitationNotAcceptableError('wrong_account')
  if (!user) {
    if (await User.findBy('email', invitation.email)) {
      throw new InvitationNotAcceptableError('needs_login')
    }
    if (!details.fullName || !details.password) {
      throw new InvitationNotAcceptableError('needs_details')
    }
    // The link reached this mailbox, which proves the address.
    user = await createUser({
      email: invitation.email,
      fullName: details.fullName,
      password: details.password,
      locale: workspace.locale,
      emailVerified: true,
    })
  }
  const member = user

  await tenancy.run(workspace.id, async () => {
    const existing = await Membership.query().where('user_id', member.id).first()
    if (!existing) {
      await quota.assertWithinLimit(workspace, 'members', 1)
      await Membership.create({ userId: member.id, roleId: invitation.roleId })
    }
    invitation.acceptedAt = DateTime.now()
    await invitation.save()
  })
  await audit({
    action: 'member.joined',
    workspaceId: workspace.id,
    actorId: member.id,
    target: { type: 'user', id: member.publicId },
    after: { email: member.email, role: invitation.role.name },
  })
  return member
}
