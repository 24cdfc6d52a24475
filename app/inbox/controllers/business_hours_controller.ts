import type { HttpContext } from '@adonisjs/core/http'
import Channel from '#channels/models/channel'
import {
  businessHoursValidator,
  conversationSettingsValidator,
} from '#inbox/validators/business_hours'
import { saveBusinessHours, saveConversationSettings } from '#inbox/actions/save_business_hours'
import { getBusinessHoursSettings } from '#inbox/queries/get_business_hours_settings'

/**
 * Settings › Business hours (settings.workspace): weekly hours, holidays,
 * away and greeting messages of the workspace or of one channel, plus
 * the workspace's timezone, conversation retention and auto-away.
 */
export default class BusinessHoursController {
  async show({ inertia, bouncer, workspace, params }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    // Another workspace's channel is not found here (404, audited).
    const channel = params.channel ? await Channel.findByOrFail('public_id', params.channel) : null
    return inertia.render('settings/hours', await getBusinessHoursSettings(workspace, channel))
  }

  async update({ request, bouncer, params, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const channel = params.channel ? await Channel.findByOrFail('public_id', params.channel) : null
    const payload = await request.validateUsing(businessHoursValidator)
    await saveBusinessHours(payload, channel, auth.user?.id ?? null)
    session.flash('success', i18n.t('hours.saved'))
    return response.redirect().back()
  }

  async updateGeneral({ request, bouncer, workspace, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const payload = await request.validateUsing(conversationSettingsValidator)
    await saveConversationSettings(workspace, payload, auth.user?.id ?? null)
    session.flash('success', i18n.t('hours.general_saved'))
    return response.redirect().back()
  }
}
