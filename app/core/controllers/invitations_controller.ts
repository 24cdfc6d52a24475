import type { HttpContext } from '@adonisjs/core/http'
import User from '#core/models/user'
import { acceptInvitationValidator } from '#core/validators/auth'
import {
  acceptInvitation,
  InvitationNotAcceptableError,
  loadInvitation,
} from '#core/actions/accept_invitation'

/**
 * The invitation link (public: the token is the credential).
 */
export default class InvitationsController {
  async show({ params, inertia, auth, response }: HttpContext) {
    const loaded = await loadInvitation(params.token)
    if (!loaded) return response.notFound(await inertia.render('errors/not_found', {}))
    const { invitation, workspace, status } = loaded
    return inertia.render('auth/accept_invitation', {
      token: params.token,
      invitation: {
        workspaceName: workspace.name,
        email: invitation.email,
        roleName: invitation.role.name,
        inviterName: invitation.invitedBy?.fullName ?? null,
        status,
      },
      hasAccount: (await User.findBy('email', invitation.email)) !== null,
      signedInAs: auth.user?.email ?? null,
    })
  }

  async accept({ params, request, auth, response, session, i18n }: HttpContext) {
    const loaded = await loadInvitation(params.token)
    if (!loaded) return response.notFound('Not found')
    const details = await request.validateUsing(acceptInvitationValidator)
    try {
      const user = await acceptInvitation(loaded, auth.user ?? null, details)
      if (!auth.user) await auth.use('web').login(user)
      session.flash(
        'success',
        i18n.t('notices.invitation_accepted', { workspace: loaded.workspace.name })
      )
      return response.redirect(`/w/${loaded.workspace.slug}`)
    } catch (error) {
      if (!(error instanceof InvitationNotAcceptableError)) throw error
      if (error.reason === 'needs_login') {
        return response.redirect(`/login?next=/invitations/${params.token}`)
      }
      session.flash('error', i18n.t(`notices.invitation_${error.reason}`))
      return response.redirect().back()
    }
  }
}
