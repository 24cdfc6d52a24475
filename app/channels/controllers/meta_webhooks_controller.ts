import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import env from '#start/env'
import WebhookEvent from '#channels/models/webhook_event'
import { verifyMetaSignature } from '#channels/webhooks/signature'
import { PayloadTooLargeError, readRawBody } from '#channels/webhooks/raw_body'
import { countWebhook } from '#channels/webhooks/counters'
import { channelByWebhookKey } from '#channels/queries/find_webhook_channel'
import { wakeIngestors } from '#channels/webhooks/ingestor'
import { storeWebhookEvent, type PendingWebhookRow } from '#channels/webhooks/event_writer'

/** Meta's documented maximum payload. */
export const META_MAX_BODY_BYTES = 3 * 1024 * 1024

function looksLikeEnvelope(body: unknown): boolean {
  const envelope = body as { object?: unknown; entry?: unknown } | null
  return (
    !!envelope &&
    typeof envelope === 'object' &&
    envelope.object === 'whatsapp_business_account' &&
    Array.isArray(envelope.entry)
  )
}

/**
 * Meta webhooks. The request path only verifies, stores and answers; a
 * worker does the rest (`WebhookIngestor`). Nothing here may answer 500.
 */
export default class MetaWebhooksController {
  /**
   * GET handshake: echo `hub.challenge` when the verify token matches.
   */
  async verify({ request, response, params }: HttpContext) {
    const query = new URLSearchParams(request.parsedUrl.query ?? '')
    let expected: string | null | undefined = env.get('META_VERIFY_TOKEN')
    if (params.channelKey) {
      const channel = await channelByWebhookKey(params.channelKey)
      expected = channel?.verifyToken
    }
    const token = query.get('hub.verify_token')
    if (query.get('hub.mode') !== 'subscribe' || !expected || token !== expected) {
      return response.forbidden('Verification failed')
    }
    return response.header('content-type', 'text/plain').ok(query.get('hub.challenge') ?? '')
  }

  async receive(ctx: HttpContext) {
    const { request, response, params, logger } = ctx
    try {
      let secret: string | null | undefined = env.get('META_APP_SECRET')
      const channelKey: string | null = params.channelKey ?? null
      if (channelKey) {
        const channel = await channelByWebhookKey(channelKey)
        if (!channel) {
          await countWebhook('meta', 'unknown_channel')
          return response.notFound('Unknown webhook')
        }
        secret = channel.appSecret
      }

      let raw: Buffer
      try {
        raw = await readRawBody(ctx, META_MAX_BODY_BYTES)
      } catch (error) {
        if (!(error instanceof PayloadTooLargeError)) throw error
        await countWebhook('meta', 'too_large')
        return response.status(413).send('Payload too large')
      }

      if (!secret || !verifyMetaSignature(raw, request.header('x-hub-signature-256'), secret)) {
        await countWebhook('meta', 'bad_signature')
        return response.unauthorized('Invalid signature')
      }

      const text = raw.toString('utf8')
      let parsed: unknown = null
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = null
      }
      if (!looksLikeEnvelope(parsed)) {
        // Signed by Meta but not what we expect: keep it for inspection.
        await WebhookEvent.create({
          source: 'meta',
          channelKey,
          status: 'malformed',
          rawBody: text,
          updates: 0,
          attempts: 0,
          error: 'Not a whatsapp_business_account envelope',
          receivedAt: DateTime.now(),
        })
        await countWebhook('meta', 'malformed')
        return response.badRequest('Malformed webhook')
      }

      // The only write on the success path: the ingestor polls this table.
      const row: PendingWebhookRow = {
        source: 'meta',
        channel_key: channelKey,
        status: 'pending',
        raw_body: text,
        updates: 0,
        attempts: 0,
        available_at: 0,
        received_at: DateTime.now().toSQL({ includeOffset: false }),
      }
      // Committed before the answer; concurrent requests share one INSERT.
      await storeWebhookEvent(row)
      wakeIngestors()
      return response.ok('EVENT_RECEIVED')
    } catch (error) {
      // Stored or not, Meta must retry rather than see a crash: 503.
      logger.error({ err: error }, 'webhook ingest failed')
      return response.serviceUnavailable('Try again')
    }
  }
}
