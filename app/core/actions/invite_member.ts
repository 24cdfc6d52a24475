import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Invitation from '#core/models/invitation'
import Membership from '#core/models/membership'
import Role from '#core/models/role'
import User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { newToken } from '#core/services/tokens'
import { quota } from '#core/services/quota'
import { audit } from '#core/services/audit'
import { sendActionMail } from '#core/mail/messages'
import { fieldError } from '#core/validators/field_error'

export const INVITATION_LIFETIME = { days: 7 }

/**
 * Invites `email` to the current workspace with `role`. Refuses existing
 * members and duplicate pending invitations; counts against the plan's
 * member limit.
 */
export async function inviteMember(input: {
  workspace: Workspace
  inviter: User
  email: string
  role: Role
}): Promise<Invitation> {
  const email = input.email.trim().toLowerCase()
  const existingUser = await User.findBy('email', email)
  if (existingUser) {
    const member = await Membership.query().where('user_id', existingUser.id).first()
    if (member) fieldError('email', 'already_member', { email })
  }
  const pending = await Invitation.query()
    .where('email', email)
    .whereNull('accepted_at')
    .whereNull('revoked_at')
    .where('expires_at', '>', DateTime.now().toSQL({ includeOffset: false })!)
    .first()
  if (pending) fieldError('email', 'already_invited', { email })

  await quota.assertWithinLimit(input.workspace, 'members', 1)

  const { token, hash } = newToken()
  const invitation = await Invitation.create({
    email,
    roleId: input.role.id,
    invitedById: input.inviter.id,
    tokenHash: hash,
    expiresAt: DateTime.now().plus(INVITATION_LIFETIME),
  })
  await sendActionMail({
    to: email,
    locale: existingUser?.locale ?? input.workspace.locale,
    key: 'invitation',
    params: {
      inviter: input.inviter.fullName,
      workspace: input.workspace.name,
      role: input.role.name,
    },
    path: `/invitations/${token}`,
  })
  await audit({
    action: 'member.invited',
    workspaceId: input.workspace.id,
    target: { type: 'invitation', id: invitation.publicId },
    after: { email, role: input.role.name },
  })
  return invitation
}

export async function revokeInvitation(workspace: Workspace, invitation: Invitation) {
  invitation.revokedAt = DateTime.now()
  await invitation.save()
  await audit({
    action: 'member.invitation_revoked',
    workspaceId: workspace.id,
    target: { type: 'invitation', id: invitation.publicId },
    before: { email: invitation.email },
  })
}

/**
 * Finds the workspace an invitation token belongs to. The token is the
 * credential that names its tenant, like a webhook's phone number id:
 * only the workspace id is read before the tenant context is opened.
 */
export async function workspaceIdForInvitationToken(tokenHash: string): Promise<number | null> {
  const row = await db
    .from('invitations')
    .select('workspace_id')
    .where('token_hash', tokenHash)
    .first()
  return row ? Number(row.workspace_id) : null
}
