import db from '@adonisjs/lucid/services/db'
import { tenancy } from '#core/tenancy/context'
import type { ContactValues } from '#templates/services/render'

/**
 * What template variables can read from contacts, for many contacts at
 * once: one query for the contacts and one for their custom field values
 * per 1,000 ids (the campaign dispatcher calls it per batch, never per
 * contact). Runs in the current tenant context.
 */

const CHUNK = 1000

function text(value: unknown): string | null {
  if (value === undefined || value === null) return null
  const result = String(value).trim()
  return result === '' ? null : result
}

/** "Jessica Alba" → first "Jessica", last "Alba"; one word has no last name. */
export function splitName(name: string | null): { first: string | null; last: string | null } {
  const words = name?.trim().split(/\s+/).filter(Boolean) ?? []
  if (!words.length) return { first: null, last: null }
  return { first: words[0], last: words.length > 1 ? words.slice(1).join(' ') : null }
}

function displayValue(
  type: string,
  row: { value_text?: unknown; value_number?: unknown; value_date?: unknown; value_bool?: unknown }
): string | null {
  switch (type) {
    case 'number':
      return row.value_number === null || row.value_number === undefined
        ? null
        : String(Number(row.value_number))
    case 'date': {
      const value = row.value_date
      if (value === null || value === undefined) return null
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10)
    }
    case 'checkbox':
      return row.value_bool === null || row.value_bool === undefined
        ? null
        : Number(row.value_bool) !== 0
          ? 'Yes'
          : 'No'
    default:
      return text(row.value_text)
  }
}

export async function contactValuesFor(contactIds: number[]): Promise<Map<number, ContactValues>> {
  const workspaceId = tenancy.workspaceId()
  const result = new Map<number, ContactValues>()
  const ids = [...new Set(contactIds.map(Number))].filter((id) => Number.isFinite(id))
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK)
    // Explicitly scoped raw reads (no model hydration at campaign speed).
    const contacts = await db
      .from('contacts')
      .select('id', 'name', 'profile_name', 'phone', 'wa_id', 'email', 'country', 'locale')
      .select('timezone')
      .where('workspace_id', workspaceId)
      .whereIn('id', chunk)
    for (const row of contacts) {
      const name = text(row.name) ?? text(row.profile_name)
      const { first, last } = splitName(name)
      result.set(Number(row.id), {
        fields: {
          name,
          first_name: first,
          last_name: last,
          phone: text(row.phone) ?? text(row.wa_id),
          email: text(row.email),
          country: text(row.country),
          locale: text(row.locale),
          timezone: text(row.timezone),
        },
        custom: {},
      })
    }
    if (!contacts.length) continue
    const values = await db
      .from('contact_field_values as v')
      .join('custom_fields as f', (join) => {
        join.on('f.id', '=', 'v.field_id').andOn('f.workspace_id', '=', 'v.workspace_id')
      })
      .select('v.contact_id', 'f.key', 'f.type')
      .select('v.value_text', 'v.value_number', 'v.value_date', 'v.value_bool')
      .where('v.workspace_id', workspaceId)
      .whereIn('v.contact_id', chunk)
    for (const row of values) {
      const entry = result.get(Number(row.contact_id))
      if (entry) entry.custom[String(row.key)] = displayValue(String(row.type), row)
    }
  }
  return result
}
