import db from '@adonisjs/lucid/services/db'
import Tag from '#contacts/models/tag'
import { tenancy } from '#core/tenancy/context'
import { isUniqueViolation } from '#core/helpers/db_errors'
import { inboxFieldError } from '#inbox/validators/field_error'

export type TagInput = { name: string; color: string }

/** Names are unique per workspace, whatever their letter case. */
async function assertNameFree(name: string, exceptId?: number) {
  const query = Tag.query().whereRaw('lower(name) = ?', [name.toLowerCase()])
  if (exceptId !== undefined) query.whereNot('id', exceptId)
  if (await query.first()) inboxFieldError('name', 'tags.errors.name_taken', { name })
}

async function saving<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    // Two requests creating the same name at once: the unique key decides.
    if (isUniqueViolation(error)) inboxFieldError('name', 'tags.errors.name_taken', { name })
    throw error
  }
}

export async function createTag(input: TagInput) {
  await assertNameFree(input.name)
  return saving(input.name, () => Tag.create({ ...input, isPredefined: false }))
}

export async function updateTag(tag: Tag, input: TagInput) {
  await assertNameFree(input.name, tag.id)
  tag.merge(input)
  return saving(input.name, () => tag.save())
}

/**
 * Deletes the tag and its links to conversations and contacts (the
 * composite foreign keys cascade too; deleting them first keeps the
 * statement explicit on every engine).
 */
export async function deleteTag(tag: Tag) {
  const workspaceId = tenancy.workspaceId()
  await db.transaction(async (trx) => {
    for (const table of ['conversation_tags', 'contact_tags']) {
      await trx.from(table).where('workspace_id', workspaceId).where('tag_id', tag.id).delete()
    }
    tag.useTransaction(trx)
    await tag.delete()
  })
}
