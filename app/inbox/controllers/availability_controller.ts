import type { HttpContext } from '@adonisjs/core/http'
import { availabilityValidator, notificationPreferencesValidator } from '#inbox/validators/routing'
import { ensureAgentProfile } from '#inbox/services/agents'
import { recordHeartbeat, setAvailability } from '#inbox/services/availability'
import type { Availability } from '#inbox/models/agent_profile'

/**
 * The current member's availability (top bar menu) and activity
 * heartbeat (the inbox page, every minute while the agent is active).
 */
export default class AvailabilityController {
  /** PUT /w/:workspace/inbox/availability { availability } */
  async update({ bouncer, request, response, workspace, member, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.view')
    const { availability } = await request.validateUsing(availabilityValidator)
    const profile = await setAvailability(
      workspace.id,
      member.user.id,
      availability as Availability
    )
    if (request.header('x-inertia')) {
      session.flash('success', i18n.t('routing.availability_saved'))
      return response.redirect().back()
    }
    return { availability: profile.availability }
  }

  /** POST /w/:workspace/inbox/heartbeat → { availability } */
  async heartbeat({ bouncer, workspace, member }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.view')
    const profile = await recordHeartbeat(workspace.id, member.user.id)
    return { availability: profile.availability }
  }

  /**
   * PUT /w/:workspace/inbox/preferences { notifyDesktop?, notifySound? }
   * → the current member's inbox notification settings.
   */
  async preferences({ bouncer, request, workspace, member }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.view')
    const payload = await request.validateUsing(notificationPreferencesValidator)
    const profile = await ensureAgentProfile(workspace.id, member.user.id)
    profile.merge(payload)
    await profile.save()
    return { notifyDesktop: profile.notifyDesktop, notifySound: profile.notifySound }
  }
}
