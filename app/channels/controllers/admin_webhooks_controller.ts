import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import WebhookEvent from '#channels/models/webhook_event'
import { paginationMeta } from '#core/helpers/pagination'
import { wakeIngestors } from '#channels/webhooks/ingestor'
import { audit } from '#core/services/audit'

const STATUSES = ['pending', 'processed', 'failed', 'malformed']

/**
 * Platform admin: raw webhook deliveries (kept WEBHOOK_RETENTION_DAYS),
 * refusal counters, numbers no channel claims, and replay.
 */
export default class AdminWebhooksController {
  async index({ inertia, request }: HttpContext) {
    const status = STATUSES.includes(request.input('status')) ? request.input('status') : null
    const query = WebhookEvent.query().orderBy('id', 'desc')
    if (status) query.where('status', status)
    const page = await query.paginate(Math.max(1, Number(request.input('page', 1)) || 1), 25)
    const since = DateTime.utc().minus({ days: 7 }).toISODate()!
    const counters = await db
      .from('webhook_counters')
      .where('day', '>=', since)
      .select('reason')
      .sum('count as total')
      .groupBy('reason')
    const unrouted = await db.from('unrouted_numbers').orderBy('last_seen_at', 'desc').limit(20)
    return inertia.render('admin/webhooks', {
      events: {
        data: page.all().map((event) => ({
          id: event.id,
          status: event.status,
          channelKey: event.channelKey ? `${event.channelKey.slice(0, 6)}…` : null,
          updates: event.updates,
          attempts: event.attempts,
          error: event.error,
          receivedAt: event.receivedAt.toISO(),
          processedAt: event.processedAt?.toISO() ?? null,
          preview: event.rawBody.slice(0, 2000),
        })),
        meta: paginationMeta(page),
      },
      filters: { status },
      refusals: Object.fromEntries(counters.map((row) => [row.reason, Number(row.total)])),
      unrouted: unrouted.map((row) => ({
        phoneNumberId: row.phone_number_id,
        displayPhoneNumber: row.display_phone_number,
        updates: Number(row.updates),
        lastSeenAt: new Date(row.last_seen_at).toISOString(),
      })),
    })
  }

  /**
   * Runs a stored delivery through the pipeline again. Harmless for what
   * was already applied (messages are unique, statuses only move forward).
   */
  async replay({ params, response, session }: HttpContext) {
    const event = await WebhookEvent.findOrFail(params.id)
    if (event.status === 'malformed') {
      session.flash('error', 'A malformed delivery cannot be replayed.')
      return response.redirect().back()
    }
    // Back in the ingestor's table of due deliveries.
    await db.from('webhook_events').where('id', event.id).update({
      status: 'pending',
      attempts: 0,
      available_at: 0,
      claimed_by: null,
      claimed_until: null,
    })
    wakeIngestors()
    await audit({ action: 'webhook.replayed', target: { type: 'webhook_event', id: event.id } })
    session.flash('success', `Delivery #${event.id} queued for replay.`)
    return response.redirect().back()
  }
}
