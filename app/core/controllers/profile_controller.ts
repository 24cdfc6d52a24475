import hash from '@adonisjs/core/services/hash'
import i18nManager from '@adonisjs/i18n/services/main'
import type { HttpContext } from '@adonisjs/core/http'
import { passwordValidator, profileValidator } from '#core/validators/settings'
import { fieldError } from '#core/validators/field_error'
import { audit } from '#core/services/audit'

export default class ProfileController {
  show({ inertia, auth }: HttpContext) {
    const user = auth.getUserOrFail()
    return inertia.render('settings/profile', {
      profile: { fullName: user.fullName, email: user.email, locale: user.locale },
    })
  }

  async update({ request, auth, response, session }: HttpContext) {
    const user = auth.getUserOrFail()
    const payload = await request.validateUsing(profileValidator)
    user.merge(payload)
    await user.save()
    // The new language applies from this very notice on.
    session.flash('success', i18nManager.locale(payload.locale).t('notices.profile_saved'))
    return response.redirect().back()
  }

  async updatePassword({ request, auth, response, session, i18n }: HttpContext) {
    const user = auth.getUserOrFail()
    const { currentPassword, password } = await request.validateUsing(passwordValidator)
    if (user.password && !(await hash.verify(user.password, currentPassword))) {
      fieldError('currentPassword', 'current_password')
    }
    user.password = password
    await user.save()
    await audit({ action: 'user.password_changed', target: { type: 'user', id: user.publicId } })
    session.flash('success', i18n.t('notices.password_changed'))
    return response.redirect().back()
  }
}
