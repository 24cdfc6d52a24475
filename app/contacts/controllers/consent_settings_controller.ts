import type { HttpContext } from '@adonisjs/core/http'
import { consentKeywordsValidator } from '#contacts/validators/consent'
import { updateConsentKeywords } from '#contacts/actions/update_consent_keywords'
import { KEYWORD_LOCALES, keywordLanguages } from '#contacts/services/consent_keywords'

export type ConsentSettingsProps = {
  languages: {
    locale: string
    optOut: string
    optIn: string
    optOutReply: string
    optInReply: string
  }[]
  locales: string[]
}

/**
 * Settings › Consent: the STOP/START keywords and confirmations per
 * language (settings.workspace).
 */
export default class ConsentSettingsController {
  async show({ inertia, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const props: ConsentSettingsProps = {
      languages: (await keywordLanguages()).map((language) => ({
        locale: language.locale,
        optOut: language.optOut.join(', '),
        optIn: language.optIn.join(', '),
        optOutReply: language.optOutReply,
        optInReply: language.optInReply,
      })),
      locales: KEYWORD_LOCALES,
    }
    return inertia.render('settings/consent', props)
  }

  async update({ request, bouncer, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const payload = await request.validateUsing(consentKeywordsValidator)
    await updateConsentKeywords(payload, auth.user?.id ?? null)
    session.flash('success', i18n.t('consent.saved'))
    return response.redirect().back()
  }
}
