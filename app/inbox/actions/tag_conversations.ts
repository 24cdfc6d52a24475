import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'

/** Pairs per INSERT (4 bound values each: under SQLite's 999-variable limit). */
const INSERT_CHUNK = 200
/** Conversation ids per DELETE. */
const DELETE_CHUNK = 500

export type TaggingResult = {
  /** The given conversations that exist in the current workspace. */
  conversationIds: number[]
  /** The given tags that exist in the current workspace. */
  tagIds: number[]
}

function unique(ids: number[]) {
  return [...new Set(ids.map(Number).filter((id) => Number.isInteger(id) && id > 0))]
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size))
  }
  return chunks
}

/**
 * Keeps only the ids that belong to the current workspace (raw queries
 * filter `workspace_id` explicitly), so a foreign id is ignored rather
 * than linked.
 */
async function ownIds(workspaceId: number, conversationIds: number[], tagIds: number[]) {
  const conversations = unique(conversationIds)
  const tags = unique(tagIds)
  if (conversations.length === 0 || tags.length === 0) {
    return { conversationIds: [], tagIds: [] }
  }
  const ownTags = (
    await db.from('tags').where('workspace_id', workspaceId).whereIn('id', tags).select('id')
  ).map((row) => Number(row.id))
  const ownConversations: number[] = []
  for (const part of chunk(conversations, DELETE_CHUNK)) {
    const rows = await db
      .from('conversations')
      .where('workspace_id', workspaceId)
      .whereIn('id', part)
      .select('id')
    ownConversations.push(...rows.map((row) => Number(row.id)))
  }
  return { conversationIds: ownConversations, tagIds: ownTags }
}

/**
 * Adds every tag to every conversation (bulk and idempotent: a pair that
 * is already there is left alone, one INSERT … ON CONFLICT DO NOTHING /
 * INSERT IGNORE per chunk). Runs in the current tenant context; ids of
 * another workspace are ignored. Emits `inbox:conversation_tagged`.
 */
export async function tagConversations(
  conversationIds: number[],
  tagIds: number[],
  actorId: number | null = null
): Promise<TaggingResult> {
  const workspaceId = tenancy.workspaceId()
  const own = await ownIds(workspaceId, conversationIds, tagIds)
  if (own.conversationIds.length === 0 || own.tagIds.length === 0) return own

  const now = sqlDateTime()
  const rows = own.conversationIds.flatMap((conversationId) =>
    own.tagIds.map((tagId) => ({
      workspace_id: workspaceId,
      conversation_id: conversationId,
      tag_id: tagId,
      created_at: now,
    }))
  )
  for (const part of chunk(rows, INSERT_CHUNK)) {
    await db
      .knexQuery()
      .table('conversation_tags')
      .insert(part)
      .onConflict(['workspace_id', 'conversation_id', 'tag_id'])
      .ignore()
  }
  await emitter.emit('inbox:conversation_tagged', { workspaceId, ...own, added: true, actorId })
  return own
}

/**
 * Removes every tag from every conversation (bulk and idempotent: one
 * DELETE per chunk of conversations). Emits `inbox:conversation_tagged`
 * with `added: false`.
 */
export async function untagConversations(
  conversationIds: number[],
  tagIds: number[],
  actorId: number | null = null
): Promise<TaggingResult> {
  const workspaceId = tenancy.workspaceId()
  const conversations = unique(conversationIds)
  const tags = unique(tagIds)
  if (conversations.length === 0 || tags.length === 0) {
    return { conversationIds: [], tagIds: [] }
  }
  for (const part of chunk(conversations, DELETE_CHUNK)) {
    await db
      .from('conversation_tags')
      .where('workspace_id', workspaceId)
      .whereIn('conversation_id', part)
      .whereIn('tag_id', tags)
      .delete()
  }
  const own = await ownIds(workspaceId, conversations, tags)
  if (own.conversationIds.length > 0 && own.tagIds.length > 0) {
    await emitter.emit('inbox:conversation_tagged', {
      workspaceId,
      ...own,
      added: false,
      actorId,
    })
  }
  return own
}
