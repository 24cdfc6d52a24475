import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Contact from '#contacts/models/contact'
import ContactEvent from '#contacts/models/contact_event'
import type CustomField from '#contacts/models/custom_field'
import {
  coerceFieldValue,
  fieldValuesOf,
  workspaceFields,
  writeFieldValues,
  type FieldValue,
  type FieldWrite,
} from '#contacts/services/custom_fields'
import { normalizePhone } from '#contacts/services/phone'
import { contactFieldError, contactFieldErrors, translate } from '#contacts/validators/contact'
import { isUniqueViolation } from '#core/helpers/db_errors'
import { quota } from '#core/services/quota'
import type Workspace from '#core/models/workspace'
import '#contacts/services/usage'

/**
 * Creating and editing one contact from the panel: phone normalisation
 * and uniqueness, the standard fields, custom field values validated by
 * `coerceFieldValue`, and a `field_changed` timeline event per change.
 */

export const STANDARD_EDITABLE = ['name', 'email', 'locale', 'timezone', 'country'] as const
export type StandardEditable = (typeof STANDARD_EDITABLE)[number]

export type ContactInput = Partial<Record<StandardEditable, string | null>> & {
  phone?: string | null
  fields?: Record<string, unknown>
}

type Change = { name: string; from: unknown; to: unknown }

const clean = (value: string | null | undefined) => {
  if (value === undefined) return undefined
  const text = value?.trim() ?? ''
  return text === '' ? null : text
}

function standardValue(field: StandardEditable, value: string | null | undefined) {
  const text = clean(value)
  if (text && field === 'country') return text.toUpperCase()
  if (text && field === 'email') return text.toLowerCase()
  return text
}

/** Normalises a typed phone or throws an inline `phone` error. */
function phoneOrError(raw: string, workspace: Pick<Workspace, 'defaultCountry'>) {
  const result = normalizePhone(raw, workspace.defaultCountry)
  if (!result.ok) contactFieldError('phone', `contacts.errors.phone_${result.reason}`)
  return result
}

async function assertPhoneFree(phone: string, exceptId?: number) {
  const query = Contact.query().where('phone', phone)
  if (exceptId !== undefined) query.whereNot('id', exceptId)
  const other = await query.first()
  if (other) {
    contactFieldError('phone', 'contacts.errors.phone_taken', {
      phone,
      name: other.displayName,
    })
  }
}

/**
 * Checks raw custom field values (by key) against the workspace's fields.
 * `requireAll`: every required field must be present (creation).
 * Unknown keys are refused. Returns the writes, or throws every problem
 * at once as inline errors `fields.<key>`.
 */
function coerceCustomValues(
  fields: CustomField[],
  raw: Record<string, unknown> | undefined,
  contactId: number,
  options: { requireAll: boolean }
): { writes: FieldWrite[]; problems: { field: string; message: string }[] } {
  const byKey = new Map(fields.map((field) => [field.key, field]))
  const writes: FieldWrite[] = []
  const problems: { field: string; message: string }[] = []
  for (const key of Object.keys(raw ?? {})) {
    if (!byKey.has(key)) {
      problems.push({
        field: `fields.${key}`,
        message: translate('contacts.errors.unknown_field', { key }),
      })
    }
  }
  for (const field of fields) {
    const given = raw !== undefined && Object.prototype.hasOwnProperty.call(raw, field.key)
    if (!given && !(options.requireAll && field.required)) continue
    const result = coerceFieldValue(field, given ? raw![field.key] : null)
    if (!result.ok) problems.push({ field: `fields.${field.key}`, message: result.reason })
    else writes.push({ contactId, field, value: result.value })
  }
  return { writes, problems }
}

async function recordChanges(
  contactId: number,
  changes: Change[],
  actorId: number | null,
  client: TransactionClientContract
) {
  const now = DateTime.now()
  for (const change of changes) {
    await ContactEvent.create(
      {
        contactId,
        kind: 'field_changed',
        name: change.name,
        data: { from: change.from ?? null, to: change.to ?? null },
        actorId,
        occurredAt: now,
      },
      { client }
    )
  }
}

export async function createContact(
  workspace: Workspace,
  input: ContactInput & { phone: string },
  actorId: number | null
): Promise<Contact> {
  const phone = phoneOrError(input.phone, workspace)
  await assertPhoneFree(phone.e164)
  const fields = await workspaceFields()
  // Values are checked before anything is written (contact id 0 is a placeholder).
  const check = coerceCustomValues(fields, input.fields, 0, { requireAll: true })
  if (check.problems.length) contactFieldErrors(check.problems)
  await quota.assertWithinLimit(workspace, 'contacts', 1)

  try {
    return await db.transaction(async (trx) => {
      const contact = await Contact.create(
        {
          phone: phone.e164,
          name: standardValue('name', input.name) ?? null,
          email: standardValue('email', input.email) ?? null,
          locale: standardValue('locale', input.locale) ?? null,
          timezone: standardValue('timezone', input.timezone) ?? null,
          country: standardValue('country', input.country) ?? phone.country,
          source: 'manual',
        },
        { client: trx }
      )
      await writeFieldValues(
        check.writes.map((write) => ({ ...write, contactId: contact.id })),
        trx
      )
      await ContactEvent.create(
        {
          contactId: contact.id,
          kind: 'created',
          name: null,
          data: { source: 'manual' },
          actorId,
          occurredAt: DateTime.now(),
        },
        { client: trx }
      )
      return contact
    })
  } catch (error) {
    // Two requests with the same number at once: the unique key decides.
    if (isUniqueViolation(error)) {
      contactFieldError('phone', 'contacts.errors.phone_taken', { phone: phone.e164, name: '' })
    }
    throw error
  }
}

const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null)

/**
 * Applies the given keys only (a key left out keeps its value). Every
 * real change becomes a `field_changed` event with from/to and the actor.
 */
export async function updateContact(
  workspace: Workspace,
  contact: Contact,
  input: ContactInput,
  actorId: number | null
): Promise<Change[]> {
  const changes: Change[] = []
  const patch: Partial<Contact> = {}

  if (input.phone !== undefined) {
    const typed = clean(input.phone)
    if (typed === null) {
      // A contact keeps a phone unless WhatsApp knows it by another id.
      if (!contact.waId && !contact.bsuid && !contact.lid) {
        contactFieldError('phone', 'contacts.errors.phone_empty')
      }
      if (contact.phone !== null) {
        patch.phone = null
        changes.push({ name: 'phone', from: contact.phone, to: null })
      }
    } else if (typed) {
      const phone = phoneOrError(typed, workspace)
      if (phone.e164 !== contact.phone) {
        await assertPhoneFree(phone.e164, contact.id)
        patch.phone = phone.e164
        changes.push({ name: 'phone', from: contact.phone, to: phone.e164 })
      }
    }
  }
  for (const field of STANDARD_EDITABLE) {
    if (input[field] === undefined) continue
    const value = standardValue(field, input[field])
    if (!same(contact[field], value)) {
      patch[field] = value ?? null
      changes.push({ name: field, from: contact[field], to: value })
    }
  }

  const fields = await workspaceFields()
  const check = coerceCustomValues(fields, input.fields, contact.id, { requireAll: false })
  if (check.problems.length) contactFieldErrors(check.problems)
  const current = (await fieldValuesOf([contact.id], fields)).get(contact.id) ?? {}
  const writes = check.writes.filter((write) => {
    const key = fields.find((field) => field.id === write.field.id)!.key
    const before: FieldValue = current[key] ?? null
    if (same(before, write.value)) return false
    changes.push({ name: key, from: before, to: write.value })
    return true
  })

  if (!changes.length) return changes
  try {
    await db.transaction(async (trx) => {
      contact.useTransaction(trx)
      contact.merge(patch)
      await contact.save()
      await writeFieldValues(writes, trx)
      await recordChanges(contact.id, changes, actorId, trx)
    })
  } catch (error) {
    if (isUniqueViolation(error)) {
      contactFieldError('phone', 'contacts.errors.phone_taken', { phone: patch.phone, name: '' })
    }
    throw error
  }
  return changes
}
