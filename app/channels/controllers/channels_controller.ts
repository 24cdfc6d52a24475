import type { HttpContext } from '@adonisjs/core/http'
import env from '#start/env'
import { appUrl } from '#config/app'
import Channel from '#channels/models/channel'
import { completeEmbeddedSignup } from '#channels/actions/complete_embedded_signup'
import {
  embeddedSignupValidator,
  connectMetaValidator,
  rotateTokenValidator,
  testConnectionValidator,
} from '#channels/validators/channel'
import {
  connectMetaChannel,
  rotateChannelToken,
  testMetaConnection,
} from '#channels/actions/connect_meta_channel'
import { audit } from '#core/services/audit'

/**
 * Settings → WhatsApp numbers. Secrets go in, never come back out.
 */
export default class ChannelsController {
  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'settings.channels')
    const channels = await Channel.query().orderBy('id')
    return inertia.render('settings/channels', {
      channels: channels.map((channel) => ({
        id: channel.publicId,
        name: channel.name,
        driver: channel.driver,
        displayPhoneNumber: channel.displayPhoneNumber,
        phoneNumberId: channel.driver === 'sandbox' ? null : channel.phoneNumberId,
        wabaId: channel.wabaId,
        status: channel.status,
        qualityRating: channel.qualityRating,
        messagingLimit: channel.messagingLimit,
        lastHealthCheckAt: channel.lastHealthCheckAt?.toISO() ?? null,
        lastError: channel.lastError,
        ownApp: channel.appSecret !== null,
        webhookUrl: channel.appSecret ? `${appUrl}/webhooks/meta/${channel.webhookKey}` : null,
        verifyToken: channel.appSecret ? channel.verifyToken : null,
      })),
      platformWebhookUrl: `${appUrl}/webhooks/meta`,
      platformAppConfigured: Boolean(env.get('META_APP_SECRET')),
      embeddedSignup:
        env.get('META_APP_ID') && env.get('META_APP_SECRET') && env.get('META_ES_CONFIG_ID')
          ? {
              appId: env.get('META_APP_ID'),
              configId: env.get('META_ES_CONFIG_ID'),
              apiVersion: env.get('META_API_VERSION', 'v24.0'),
            }
          : null,
    })
  }

  /**
   * "Test connection": what Graph says about these credentials, with a
   * hint for the usual mistakes. Nothing is stored.
   */
  async test({ request, bouncer, session, response }: HttpContext) {
    await bouncer.authorize('permit', 'settings.channels')
    const input = await request.validateUsing(testConnectionValidator)
    const result = await testMetaConnection(input)
    session.flash('connectionTest', {
      ok: result.status !== 'disconnected',
      status: result.status,
      displayPhoneNumber: result.displayPhoneNumber ?? null,
      verifiedName: result.verifiedName ?? null,
      qualityRating: result.qualityRating ?? null,
      error: result.error ?? null,
    })
    session.flashExcept(['accessToken', 'appSecret'])
    return response.redirect().back()
  }

  async store({ request, bouncer, workspace, session, response, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.channels')
    const input = await request.validateUsing(connectMetaValidator)
    await connectMetaChannel(workspace, input)
    session.flash('success', i18n.t('notices.channel_connected'))
    return response.redirect().back()
  }

  /**
   * Meta Embedded Signup finished in the browser: the page posts the code
   * and the WABA / phone number ids Meta reported, plus the chosen PIN.
   */
  async embeddedSignup({ request, bouncer, workspace, session, response, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.channels')
    const input = await request.validateUsing(embeddedSignupValidator)
    await completeEmbeddedSignup(workspace, input)
    session.flash('success', i18n.t('notices.channel_connected'))
    return response.redirect().back()
  }

  async rotateToken({ params, request, bouncer, workspace, session, response, i18n }: HttpContext) {
    const channel = await Channel.findByOrFail('public_id', params.channel)
    await bouncer.authorize('permit', 'settings.channels')
    const { accessToken } = await request.validateUsing(rotateTokenValidator)
    await rotateChannelToken(workspace, channel, accessToken)
    session.flash('success', i18n.t('notices.token_rotated'))
    return response.redirect().back()
  }

  async destroy({ params, bouncer, workspace, session, response, i18n }: HttpContext) {
    const channel = await Channel.findByOrFail('public_id', params.channel)
    await bouncer.authorize('permit', 'settings.channels')
    if (channel.driver === 'sandbox') return response.badRequest('The sandbox cannot be removed')
    await channel.delete()
    await audit({
      action: 'channel.removed',
      workspaceId: workspace.id,
      target: { type: 'channel', id: channel.publicId },
      before: { name: channel.name, phoneNumberId: channel.phoneNumberId },
    })
    session.flash('success', i18n.t('notices.channel_removed'))
    return response.redirect().back()
  }
}
