import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import drive from '@adonisjs/drive/services/main'
import logger from '@adonisjs/core/services/logger'
import Contact from '#contacts/models/contact'
import ContactExport from '#contacts/models/contact_export'
import { deleteFile } from '#contacts/services/export_files'
import { audit } from '#core/services/audit'
import { sqlDateTime } from '#core/helpers/sql_time'
import { tenancy } from '#core/tenancy/context'

/**
 * GDPR erasure of one contact (issue 6 §6, docs/privacy.md "Erasure").
 *
 * Removed: the contact's personal data (name, profile name, phone, email,
 * WhatsApp id, BSUID, LID, locale, timezone), its custom field values,
 * tags and notes, the data of its timeline events, the content of every
 * message of its conversations (body, payload, stored media files) and
 * the conversations' last-message previews, and the text of scheduled
 * messages (pending ones are cancelled).
 *
 * Kept: the contact row (public id, country, source, created time,
 * engagement counters and times, `erased_at`), conversation and message
 * rows (direction, type, status, times) so reports and counts still add
 * up, and the consent log, anonymised.
 *
 * One transaction; the media files are deleted after it commits (a file
 * cannot be rolled back, a row can), and so are the files of earlier data
 * exports of this contact (expired at once).
 */

export class ContactAlreadyErasedException extends Error {
  readonly code = 'E_CONTACT_ALREADY_ERASED'
  constructor() {
    super('This contact has already been erased')
  }
}

export type ErasureResult = {
  contact: string
  fieldValues: number
  tags: number
  notes: number
  events: number
  conversations: number
  messages: number
  mediaFiles: number
  consentEvents: number
  scheduledMessages: number
}

const CHUNK = 500

function affected(result: unknown): number {
  // knex answers a number for update/delete on both SQLite and mysql2.
  return Array.isArray(result) ? Number(result[0] ?? 0) : Number(result ?? 0)
}

export async function eraseContact(
  contact: Contact,
  actorId: number | null
): Promise<ErasureResult> {
  if (contact.erasedAt) throw new ContactAlreadyErasedException()
  const workspaceId = tenancy.workspaceId()
  const now = DateTime.utc()
  const mediaPaths: string[] = []

  const counts = await db.transaction(async (trx) => {
    // Explicitly scoped: every statement below filters workspace_id.
    const scoped = (table: string) => trx.from(table).where('workspace_id', workspaceId)

    await scoped('contacts')
      .where('id', contact.id)
      .update({
        name: null,
        profile_name: null,
        phone: null,
        email: null,
        wa_id: null,
        bsuid: null,
        lid: null,
        locale: null,
        timezone: null,
        erased_at: sqlDateTime(now),
        updated_at: sqlDateTime(now),
      })
    const fieldValues = affected(
      await scoped('contact_field_values').where('contact_id', contact.id).delete()
    )
    const tags = affected(await scoped('contact_tags').where('contact_id', contact.id).delete())
    const notes = affected(await scoped('contact_notes').where('contact_id', contact.id).delete())
    const events = affected(
      await scoped('contact_events').where('contact_id', contact.id).update({ data: null })
    )

    const conversationIds: number[] = (
      await scoped('conversations').where('contact_id', contact.id).select('id')
    ).map((row: { id: number }) => Number(row.id))

    let messages = 0
    let scheduledMessages = 0
    for (let start = 0; start < conversationIds.length; start += CHUNK) {
      const chunk = conversationIds.slice(start, start + CHUNK)
      const withMedia: { media_path: string }[] = await scoped('messages')
        .whereIn('conversation_id', chunk)
        .whereNotNull('media_path')
        .select('media_path')
      mediaPaths.push(...withMedia.map((row) => row.media_path))
      messages += affected(
        await scoped('messages')
          .whereIn('conversation_id', chunk)
          .update({
            body: null,
            payload: '{}',
            media_path: null,
            error_message: null,
            updated_at: sqlDateTime(now),
          })
      )
      await scoped('conversations').whereIn('id', chunk).update({ last_message_preview: null })
      await scoped('scheduled_messages')
        .whereIn('conversation_id', chunk)
        .where('status', 'scheduled')
        .update({ status: 'cancelled' })
      scheduledMessages += affected(
        await scoped('scheduled_messages').whereIn('conversation_id', chunk).update({ body: '' })
      )
    }

    /*
     * The consent log is append-only (ConsentEvent refuses updates), with
     * ONE permitted change: an erasure anonymises the contact's events.
     * Event, scope, channel, source and time stay as proof that consent
     * was (or was not) given; the proof text, IP and the idempotency key
     * (which can embed the WhatsApp id) go. A raw update, on purpose.
     */
    const consentEvents = affected(
      await scoped('consent_events')
        .where('contact_id', contact.id)
        .update({ proof_text: null, proof_ip: null, dedupe_key: null })
    )

    return {
      fieldValues,
      tags,
      notes,
      events,
      conversations: conversationIds.length,
      messages,
      scheduledMessages,
      consentEvents,
    }
  })

  let mediaFiles = 0
  for (const path of new Set(mediaPaths)) {
    try {
      await drive.use().delete(path)
      mediaFiles++
    } catch (error) {
      logger.warn({ err: error, path }, 'contacts: erased media file could not be deleted')
    }
  }

  // This contact's earlier data exports hold what was just erased: expire them now.
  const archives = await ContactExport.query().where('kind', 'contact').whereNotNull('file_path')
  for (const archive of archives) {
    if (archive.params.contact !== contact.publicId) continue
    await deleteFile(archive.filePath).catch(() => {})
    archive.merge({ filePath: null, expiresAt: DateTime.utc() })
    await archive.save()
  }

  const result: ErasureResult = { contact: contact.publicId, ...counts, mediaFiles }
  await audit({
    action: 'contacts.erased',
    workspaceId,
    actorId,
    target: { type: 'contacts', id: contact.publicId },
    after: result,
  })
  await contact.refresh()
  return result
}
