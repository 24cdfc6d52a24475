import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import CustomField from '#contacts/models/custom_field'
import {
  coerceFieldValue,
  fieldValuesOf,
  writeFieldValues,
  type FieldValue,
} from '#contacts/services/custom_fields'
import { recordConsentForMany } from '#contacts/services/consent'
import type { SegmentGroup } from '#contacts/segments/types'
import { segmentIdChunks } from '#contacts/segments/compile'
import { findTag, tagContacts, untagContacts } from '#contacts/actions/tag_contacts'
import { contactFieldError } from '#contacts/validators/contact'
import { tenancy } from '#core/tenancy/context'
import { audit } from '#core/services/audit'
import { sqlDateTime } from '#core/helpers/sql_time'

export type BulkAction = 'tag' | 'untag' | 'set_field' | 'opt_out' | 'delete'

/** Selected contacts (public ids), or every contact a definition matches. */
export type BulkTarget = { publicIds: string[] } | { definition: SegmentGroup }

export type BulkInput = {
  action: BulkAction
  target: BulkTarget
  tag?: string
  field?: string
  value?: unknown
}

const CHUNK = 500

/** The target's contact ids of the current workspace, in chunks. */
async function* chunksOf(target: BulkTarget): AsyncGenerator<number[]> {
  if ('definition' in target) {
    yield* segmentIdChunks(target.definition, CHUNK)
    return
  }
  const publicIds = [...new Set(target.publicIds)]
  for (let start = 0; start < publicIds.length; start += CHUNK) {
    const rows = await Contact.query()
      .whereIn('public_id', publicIds.slice(start, start + CHUNK))
      .whereNull('erased_at')
      .select('id')
    if (rows.length) yield rows.map((row) => row.id)
  }
}

/**
 * Checks what a bulk action needs (a known tag, a known field and a value
 * valid for its type) and throws the field's validation error otherwise.
 * The request calls it before queuing a job, so bad input is refused at
 * once; the action itself calls it again.
 */
export async function checkBulkInput(input: Omit<BulkInput, 'target'>) {
  if (input.action === 'tag' || input.action === 'untag') {
    const tag = input.tag ? await findTag(input.tag) : null
    if (!tag) contactFieldError('tag', 'contacts.errors.tag_unknown')
    return { tag, field: null, value: null }
  }
  if (input.action === 'set_field') {
    const field = input.field ? await CustomField.findBy('key', input.field) : null
    if (!field) contactFieldError('field', 'contacts.errors.field_unknown')
    const coerced = coerceFieldValue(field, input.value)
    if (!coerced.ok) contactFieldError('value', null, {}, coerced.reason)
    return { tag: null, field, value: coerced.value }
  }
  return { tag: null, field: null, value: null }
}

/** Called after each chunk: contacts handled so far, and affected so far. */
export type BulkProgress = (processed: number, affected: number) => Promise<void>

/**
 * One bulk action from the contacts list. Tag/untag never duplicates a
 * pivot; "set field" validates the value once with `coerceFieldValue`
 * and records a `field_changed` event for each contact whose value
 * changed; "opt out" appends an agent opt-out (marketing) to the consent
 * registry for those not already opted out; "delete" removes the contacts (and their conversations).
 * Returns how many contacts were affected. On every contact a filter
 * matches it runs in a job (`#contacts/services/bulk_actions`), which
 * passes `progress`.
 */
export async function bulkUpdateContacts(
  input: BulkInput,
  actorId: number | null,
  progress: BulkProgress = async () => {}
) {
  const workspaceId = tenancy.workspaceId()
  const checked = await checkBulkInput(input)
  let affected = 0
  let processed = 0

  if (input.action === 'tag' || input.action === 'untag') {
    const tag = checked.tag!
    for await (const ids of chunksOf(input.target)) {
      affected +=
        input.action === 'tag' ? await tagContacts(ids, tag.id) : await untagContacts(ids, tag.id)
      processed += ids.length
      await progress(processed, affected)
    }
  } else if (input.action === 'set_field') {
    const field = checked.field!
    const value = checked.value
    for await (const ids of chunksOf(input.target)) {
      processed += ids.length
      const before = await fieldValuesOf(ids, [field])
      const changed = ids.filter((id) => (before.get(id)?.[field.key] ?? null) !== value)
      if (!changed.length) {
        await progress(processed, affected)
        continue
      }
      await db.transaction(async (trx) => {
        await writeFieldValues(
          changed.map((contactId) => ({ contactId, field, value })),
          trx
        )
        const now = sqlDateTime()
        const events = changed.map((contactId) => ({
          workspace_id: workspaceId,
          contact_id: contactId,
          kind: 'field_changed',
          name: field.key,
          data: JSON.stringify({
            from: (before.get(contactId)?.[field.key] ?? null) as FieldValue,
            to: value,
          }),
          actor_id: actorId,
          occurred_at: now,
        }))
        for (let start = 0; start < events.length; start += 100) {
          await trx
            .insertQuery()
            .table('contact_events')
            .insert(events.slice(start, start + 100))
        }
      })
      affected += changed.length
      await progress(processed, affected)
    }
  } else if (input.action === 'opt_out') {
    const occurredAt = DateTime.now()
    for await (const ids of chunksOf(input.target)) {
      // Contacts already opted out are left alone (a rerun records nothing twice).
      const recorded = await recordConsentForMany(ids, {
        event: 'opt_out',
        scope: 'marketing',
        source: 'agent',
        actorId,
        occurredAt,
        proof: { text: 'Bulk opt-out from the contacts list' },
      })
      affected += recorded.length
      processed += ids.length
      await progress(processed, affected)
    }
  } else if (input.action === 'delete') {
    // Collect first: deleting while paging by a definition would shift the pages.
    const all: number[] = []
    for await (const ids of chunksOf(input.target)) all.push(...ids)
    for (let start = 0; start < all.length; start += CHUNK) {
      // Explicitly scoped; conversations, notes, values and events cascade.
      affected += Number(
        await db
          .from('contacts')
          .where('workspace_id', workspaceId)
          .whereIn('id', all.slice(start, start + CHUNK))
          .delete()
      )
      processed = Math.min(all.length, start + CHUNK)
      await progress(processed, affected)
    }
  }

  await audit({
    action: `contacts.bulk_${input.action}`,
    workspaceId,
    actorId,
    target: { type: 'contacts', id: 'definition' in input.target ? 'matching' : 'selection' },
    after: {
      affected,
      tag: input.tag ?? null,
      field: input.field ?? null,
      ...('definition' in input.target ? { definition: input.target.definition } : {}),
    },
  })
  return { affected }
}
