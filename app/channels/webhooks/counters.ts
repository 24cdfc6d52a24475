import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { isUniqueViolation } from '#core/helpers/db_errors'

export type WebhookCounterReason = 'bad_signature' | 'malformed' | 'too_large' | 'unknown_channel'

/**
 * Daily counters of refused webhook deliveries (shown in the admin panel).
 * Refused bodies are not stored: an attacker must not fill the database.
 */
export async function countWebhook(source: string, reason: WebhookCounterReason) {
  const day = DateTime.utc().toISODate()!
  const key = { day, source, reason }
  const updated = await db.from('webhook_counters').where(key).increment('count', 1)
  if (Number(updated) > 0) return
  try {
    await db.table('webhook_counters').insert({ ...key, count: 1 })
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    await db.from('webhook_counters').where(key).increment('count', 1)
  }
}
