import type { HttpContext } from '@adonisjs/core/http'
import Membership from '#core/models/membership'
import Invitation from '#core/models/invitation'
import Role from '#core/models/role'
import MemberPolicy from '#core/policies/member_policy'
import { changeRoleValidator, inviteValidator } from '#core/validators/settings'
import { inviteMember, revokeInvitation } from '#core/actions/invite_member'
import { changeMemberRole, removeMember } from '#core/actions/manage_members'
import { fieldError } from '#core/validators/field_error'

async function findRole(publicId: string, field = 'roleId') {
  const role = await Role.query().where('public_id', publicId).first()
  if (!role) fieldError(field, 'invalid_role')
  return role
}

export default class MembersController {
  async index({ inertia, bouncer, member }: HttpContext) {
    await bouncer.with(MemberPolicy).authorize('view')
    const members = await Membership.query().preload('user').preload('role').orderBy('id')
    const invitations = await Invitation.query()
      .whereNull('accepted_at')
      .whereNull('revoked_at')
      .preload('role')
      .preload('invitedBy')
      .orderBy('id', 'desc')
    const roles = await Role.query().orderBy('is_system', 'desc').orderBy('id')
    return inertia.render('settings/members', {
      members: members.map((membership) => ({
        id: membership.publicId,
        fullName: membership.user.fullName,
        email: membership.user.email,
        role: {
          id: membership.role.publicId,
          name: membership.role.name,
          key: membership.role.key,
        },
        joinedAt: membership.createdAt.toISO(),
        isSelf: membership.id === member.membership.id,
      })),
      invitations: invitations.map((invitation) => ({
        id: invitation.publicId,
        email: invitation.email,
        role: invitation.role.name,
        roleKey: invitation.role.key,
        expiresAt: invitation.expiresAt.toISO(),
        expired: !invitation.isPending,
        invitedBy: invitation.invitedBy?.fullName ?? null,
      })),
      roles: roles.map((role) => ({ id: role.publicId, name: role.name, key: role.key })),
    })
  }

  async invite({ request, bouncer, workspace, auth, response, session, i18n }: HttpContext) {
    const { email, roleId } = await request.validateUsing(inviteValidator)
    const role = await findRole(roleId)
    await bouncer.with(MemberPolicy).authorize('invite', role)
    await inviteMember({ workspace, inviter: auth.getUserOrFail(), email, role })
    session.flash('success', i18n.t('notices.invitation_sent', { email }))
    return response.redirect().back()
  }

  async revoke({ params, bouncer, workspace, response, session, i18n }: HttpContext) {
    const invitation = await Invitation.findByOrFail('public_id', params.invitation)
    await bouncer.with(MemberPolicy).authorize('invite')
    await revokeInvitation(workspace, invitation)
    session.flash('success', i18n.t('notices.invitation_revoked'))
    return response.redirect().back()
  }

  async update({ params, request, bouncer, workspace, response, session, i18n }: HttpContext) {
    const membership = await Membership.findByOrFail('public_id', params.member)
    await membership.load('role')
    const { roleId } = await request.validateUsing(changeRoleValidator)
    const role = await findRole(roleId)
    await bouncer.with(MemberPolicy).authorize('changeRole', membership, role)
    await changeMemberRole(workspace, membership, role)
    session.flash('success', i18n.t('notices.role_changed'))
    return response.redirect().back()
  }

  async destroy({ params, bouncer, workspace, response, session, i18n }: HttpContext) {
    const membership = await Membership.findByOrFail('public_id', params.member)
    await membership.load('role')
    await bouncer.with(MemberPolicy).authorize('remove', membership)
    await removeMember(workspace, membership)
    session.flash('success', i18n.t('notices.member_removed'))
    return response.redirect().back()
  }
}
