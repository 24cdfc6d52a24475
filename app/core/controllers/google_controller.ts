import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import User from '#core/models/user'
import { googleEnabled } from '#config/ally'
import { createUser } from '#core/actions/create_user'
import { landingPath } from '#core/queries/landing_path'
import { audit } from '#core/services/audit'

/**
 * Google sign-in (only when GOOGLE_CLIENT_ID/SECRET are configured). A new
 * Google user lands on the workspace picker to create their workspace.
 */
export default class GoogleController {
  async redirect({ ally, response }: HttpContext) {
    if (!googleEnabled) return response.notFound('Not found')
    return ally.use('google').redirect()
  }

  async callback({ ally, auth, response, session, i18n }: HttpContext) {
    if (!googleEnabled) return response.notFound('Not found')
    const google = ally.use('google')
    if (google.accessDenied() || google.stateMisMatch() || google.hasError()) {
      session.flash('error', i18n.t('notices.google_failed'))
      return response.redirect('/login')
    }
    const profile = await google.user()
    if (!profile.email || profile.emailVerificationState !== 'verified') {
      session.flash('error', i18n.t('notices.google_failed'))
      return response.redirect('/login')
    }
    const email = profile.email.toLowerCase()
    let user = (await User.findBy('google_id', profile.id)) ?? (await User.findBy('email', email))
    if (!user) {
      user = await createUser({
        email,
        fullName: profile.name || email,
        password: null,
        googleId: profile.id,
        emailVerified: true,
        locale: i18n.locale,
      })
      await audit({
        action: 'user.signed_up_google',
        actorId: user.id,
        target: { type: 'user', id: user.publicId },
      })
    } else if (!user.googleId) {
      user.googleId = profile.id
      user.emailVerifiedAt = user.emailVerifiedAt ?? DateTime.now()
      await user.save()
    }
    await auth.use('web').login(user, true)
    return response.redirect(await landingPath(user))
  }
}
