import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Tag from '#contacts/models/tag'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'

/** Pairs per INSERT (4 bound values each: under SQLite's 999-variable limit). */
const INSERT_CHUNK = 200
const ID_CHUNK = 500

/**
 * A tag of the current workspace by public id or name (case-insensitive),
 * or null. Tags are shared with the inbox (Settings → Tags).
 */
export async function findTag(reference: string): Promise<Tag | null> {
  const byId = await Tag.findBy('public_id', reference)
  if (byId) return byId
  return Tag.query().whereRaw('lower(name) = ?', [reference.trim().toLowerCase()]).first()
}

/**
 * Links contacts to a tag; existing pairs are left as they are (no
 * duplicate pivots). Ids must already belong to the current workspace.
 */
export async function tagContacts(
  contactIds: number[],
  tagId: number,
  client?: TransactionClientContract
): Promise<number> {
  const workspaceId = tenancy.workspaceId()
  const runner = client ?? db
  const ids = [...new Set(contactIds.map(Number))]
  let added = 0
  for (let start = 0; start < ids.length; start += ID_CHUNK) {
    const chunk = ids.slice(start, start + ID_CHUNK)
    // Explicitly scoped: the pairs that already exist.
    const existing = await runner
      .from('contact_tags')
      .where('workspace_id', workspaceId)
      .where('tag_id', tagId)
      .whereIn('contact_id', chunk)
      .select('contact_id')
    const have = new Set(existing.map((row) => Number(row.contact_id)))
    const rows = chunk
      .filter((id) => !have.has(id))
      .map((contactId) => ({
        workspace_id: workspaceId,
        contact_id: contactId,
        tag_id: tagId,
        created_at: sqlDateTime(),
      }))
    for (let index = 0; index < rows.length; index += INSERT_CHUNK) {
      await runner
        .insertQuery()
        .table('contact_tags')
        .insert(rows.slice(index, index + INSERT_CHUNK))
        .knexQuery.onConflict(['workspace_id', 'contact_id', 'tag_id'])
        .ignore()
    }
    added += rows.length
  }
  return added
}

export async function untagContacts(
  contactIds: number[],
  tagId: number,
  client?: TransactionClientContract
): Promise<number> {
  const workspaceId = tenancy.workspaceId()
  const ids = [...new Set(contactIds.map(Number))]
  let removed = 0
  for (let start = 0; start < ids.length; start += ID_CHUNK) {
    // Explicitly scoped.
    removed += Number(
      await (client ?? db)
        .from('contact_tags')
        .where('workspace_id', workspaceId)
        .where('tag_id', tagId)
        .whereIn('contact_id', ids.slice(start, start + ID_CHUNK))
        .delete()
    )
  }
  return removed
}
