import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import limiter from '@adonisjs/limiter/services/main'
import env from '#start/env'
import User from '#core/models/user'
import { googleEnabled } from '#config/ally'
import {
  forgotPasswordValidator,
  loginValidator,
  resetPasswordValidator,
  signupValidator,
} from '#core/validators/auth'
import { signUp } from '#core/actions/sign_up'
import {
  findValidToken,
  resetPassword,
  sendEmailVerification,
  sendPasswordReset,
  verifyEmail,
} from '#core/actions/email_tokens'
import { landingPath } from '#core/queries/landing_path'

// Node's list leaves out UTC itself, the default for servers and many browsers.
const TIMEZONES = ['UTC', ...Intl.supportedValuesOf('timeZone')]

export default class AuthController {
  showLogin({ inertia }: HttpContext) {
    return inertia.render('auth/login', {
      googleEnabled,
      signupEnabled: env.get('SIGNUP_ENABLED', true),
    })
  }

  /**
   * Five wrong passwords per email and IP in a minute block that pair for
   * 15 minutes (a successful login clears the count).
   */
  async login({ request, auth, response, session, i18n }: HttpContext) {
    const { email, password, remember } = await request.validateUsing(loginValidator)
    const key = `login_${email.toLowerCase()}_${request.ip()}`
    const loginLimiter = limiter.use({ requests: 5, duration: '1 min', blockDuration: '15 mins' })

    const [error, user] = await loginLimiter.penalize(key, () =>
      User.verifyCredentials(email, password)
    )
    if (error) {
      session.flashExcept(['password'])
      session.flash('errors', {
        email: i18n.t('auth.throttled', { seconds: error.response.availableIn }),
      })
      return response.redirect().back()
    }

    await auth.use('web').login(user, !!remember)
    user.lastLoginAt = DateTime.now()
    await user.save()
    return response.redirect(await landingPath(user, request.input('next')))
  }

  async logout({ auth, response, session, i18n }: HttpContext) {
    await auth.use('web').logout()
    session.flash('success', i18n.t('notices.logged_out'))
    return response.redirect('/login')
  }

  showSignup({ inertia, response }: HttpContext) {
    if (!env.get('SIGNUP_ENABLED', true)) return response.notFound('Not found')
    return inertia.render('auth/signup', { googleEnabled, timezones: TIMEZONES })
  }

  async signup({ request, auth, response, session, i18n }: HttpContext) {
    if (!env.get('SIGNUP_ENABLED', true)) return response.notFound('Not found')
    const payload = await request.validateUsing(signupValidator)
    const timezone =
      payload.timezone && TIMEZONES.includes(payload.timezone) ? payload.timezone : 'UTC'
    const { user, workspace } = await signUp({
      ...payload,
      timezone,
      locale: payload.locale ?? i18n.locale,
    })
    await auth.use('web').login(user)
    session.flash('success', i18n.t('notices.signed_up'))
    return response.redirect(`/w/${workspace.slug}`)
  }

  showForgotPassword({ inertia }: HttpContext) {
    return inertia.render('auth/forgot_password', {})
  }

  async forgotPassword({ request, response, session, i18n }: HttpContext) {
    const { email } = await request.validateUsing(forgotPasswordValidator)
    const forgotLimiter = limiter.use({ requests: 3, duration: '15 mins' })
    // Over the limit, nothing is sent, and the answer does not change.
    await forgotLimiter.attempt(`forgot_${email}_${request.ip()}`, () => sendPasswordReset(email))
    session.flash('success', i18n.t('notices.reset_link_sent'))
    return response.redirect().back()
  }

  async showResetPassword({ inertia, params }: HttpContext) {
    const valid = (await findValidToken(params.token, 'password_reset')) !== null
    return inertia.render('auth/reset_password', { token: params.token, valid })
  }

  async resetPassword({ request, response, session, i18n, auth }: HttpContext) {
    const { token, password } = await request.validateUsing(resetPasswordValidator)
    const user = await resetPassword(token, password)
    if (!user) {
      session.flash('error', i18n.t('notices.token_invalid'))
      return response.redirect().back()
    }
    await auth.use('web').login(user)
    session.flash('success', i18n.t('notices.password_reset'))
    return response.redirect(await landingPath(user))
  }

  async verifyEmail({ params, response, session, i18n, auth }: HttpContext) {
    const user = await verifyEmail(params.token)
    session.flash(
      user ? 'success' : 'error',
      i18n.t(user ? 'notices.email_verified' : 'notices.token_invalid')
    )
    if (auth.user) return response.redirect(await landingPath(auth.user))
    return response.redirect('/login')
  }

  async resendVerification({ auth, response, session, i18n }: HttpContext) {
    const user = auth.getUserOrFail()
    if (!user.emailVerifiedAt) {
      const resendLimiter = limiter.use({ requests: 3, duration: '1 hour' })
      await resendLimiter.attempt(`verify_${user.id}`, () => sendEmailVerification(user))
    }
    session.flash('success', i18n.t('notices.verification_sent'))
    return response.redirect().back()
  }
}
