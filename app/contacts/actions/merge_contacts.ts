import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import ContactEvent from '#contacts/models/contact_event'
import { contactFieldError } from '#contacts/validators/contact'
import { tenancy } from '#core/tenancy/context'
import { audit } from '#core/services/audit'

/** Identity fields a merge copies from the other contact when the kept one has none. */
const UNIQUE_IDENTITY = ['phone', 'waId', 'bsuid', 'lid'] as const
const PLAIN_IDENTITY = ['name', 'profileName', 'email', 'locale', 'timezone', 'country'] as const
const COUNTERS = [
  'messagesIn',
  'messagesOut',
  'campaignsReceived',
  'campaignsRead',
  'campaignsReplied',
] as const
const LATEST = ['lastInboundAt', 'lastOutboundAt', 'lastSeenAt'] as const

const later = (a: DateTime | null, b: DateTime | null) => {
  if (!a) return b
  if (!b) return a
  return a.toMillis() >= b.toMillis() ? a : b
}

/**
 * Merges `other` into `target` in ONE transaction: conversations, tags
 * (no duplicate pivots), notes, consent events, timeline events and
 * custom values (the target's value wins when both have one) move to
 * the target; counters add up; the earliest `created_at` and the latest
 * `last_*` times are kept; empty identity fields of the target are
 * filled from the other (unique ones are cleared on the other first);
 * the other contact is deleted; a `merged` event and an audit row
 * record it.
 */
export async function mergeContacts(target: Contact, other: Contact, actorId: number | null) {
  if (target.id === other.id) contactFieldError('other', 'contacts.errors.merge_self')
  if (target.erasedAt || other.erasedAt) contactFieldError('other', 'contacts.errors.merge_erased')
  const workspaceId = tenancy.workspaceId()
  const before = { target: target.serialize(), other: other.serialize() }

  await db.transaction(async (trx) => {
    const kept = await Contact.query({ client: trx })
      .where('id', target.id)
      .forUpdate()
      .firstOrFail()
    const gone = await Contact.query({ client: trx })
      .where('id', other.id)
      .forUpdate()
      .firstOrFail()
    // Explicitly scoped raw statements below: every one filters workspace_id.
    const scoped = (table: string) =>
      trx.from(table).where('workspace_id', workspaceId).where('contact_id', gone.id)

    await scoped('conversations').update({ contact_id: kept.id })
    await scoped('contact_notes').update({ contact_id: kept.id })
    await scoped('contact_events').update({ contact_id: kept.id })
    // Consent rows are append-only in content; re-parenting keeps the log whole.
    await scoped('consent_events').update({ contact_id: kept.id })

    // Tags: add the pairs the target lacks, then drop the other's pivots.
    const keptTags = await trx
      .from('contact_tags')
      .where('workspace_id', workspaceId)
      .where('contact_id', kept.id)
      .select('tag_id')
    const have = new Set(keptTags.map((row) => Number(row.tag_id)))
    await scoped('contact_tags')
      .whereNotIn('tag_id', have.size ? [...have] : [0])
      .update({ contact_id: kept.id })
    await scoped('contact_tags').delete()

    // Custom values: move those the target has no value for; the rest go.
    const keptFields = await trx
      .from('contact_field_values')
      .where('workspace_id', workspaceId)
      .where('contact_id', kept.id)
      .select('field_id')
    const filled = keptFields.map((row) => Number(row.field_id))
    await scoped('contact_field_values')
      .whereNotIn('field_id', filled.length ? filled : [0])
      .update({ contact_id: kept.id })
    await scoped('contact_field_values').delete()

    // Identity: unique ones leave the other row before the target takes them.
    const taken: Partial<Record<(typeof UNIQUE_IDENTITY)[number], string>> = {}
    for (const key of UNIQUE_IDENTITY) {
      if (!kept[key] && gone[key]) taken[key] = gone[key]!
    }
    if (Object.keys(taken).length) {
      gone.useTransaction(trx)
      for (const key of Object.keys(taken) as (keyof typeof taken)[]) gone[key] = null
      await gone.save()
    }
    kept.useTransaction(trx)
    kept.merge(taken)
    for (const key of PLAIN_IDENTITY) {
      if (!kept[key] && gone[key]) kept[key] = gone[key]
    }
    for (const key of COUNTERS) kept[key] = Number(kept[key] ?? 0) + Number(gone[key] ?? 0)
    for (const key of LATEST) kept[key] = later(kept[key], gone[key])
    if (gone.createdAt.toMillis() < kept.createdAt.toMillis()) kept.createdAt = gone.createdAt
    await kept.save()

    gone.useTransaction(trx)
    await gone.delete()

    await ContactEvent.create(
      {
        contactId: kept.id,
        kind: 'merged',
        name: null,
        data: { from: other.publicId, name: other.displayName, took: Object.keys(taken) },
        actorId,
        occurredAt: DateTime.now(),
      },
      { client: trx }
    )
  })

  await target.refresh()
  await audit({
    action: 'contacts.merged',
    workspaceId,
    actorId,
    target: { type: 'contact', id: target.publicId },
    before,
    after: { merged: other.publicId, contact: target.serialize() },
  })
  return target
}
