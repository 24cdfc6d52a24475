import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import type Conversation from '#inbox/models/conversation'
import { tagConversations, untagConversations } from '#inbox/actions/tag_conversations'

/** Sets a conversation's priority (0 none … 4 urgent); emits `conversation_updated`. */
export async function setConversationPriority(input: {
  conversation: Conversation
  priority: number
  actorId: number | null
}) {
  const { conversation } = input
  if (conversation.priority === input.priority) return false
  conversation.priority = input.priority
  await conversation.save()
  await emitter.emit('inbox:conversation_updated', {
    workspaceId: conversation.workspaceId,
    conversationIds: [conversation.id],
    changes: ['priority'],
    actorId: input.actorId,
  })
  return true
}

/** Tag public ids of the current workspace → ids (unknown ones dropped). */
export async function tagIdsOf(workspaceId: number, publicIds: string[]): Promise<number[]> {
  if (!publicIds.length) return []
  const rows = await db
    .from('tags')
    .where('workspace_id', workspaceId)
    .whereIn('public_id', publicIds)
    .select('id')
  return rows.map((row) => Number(row.id))
}

/**
 * Adds and removes tags on one conversation through the tagging actions
 * (which emit `inbox:conversation_tagged`, pushed as `conversation.updated`).
 */
export async function retagConversation(input: {
  conversation: Conversation
  add: string[]
  remove: string[]
  actorId: number | null
}) {
  const workspaceId = input.conversation.workspaceId
  const add = await tagIdsOf(workspaceId, input.add)
  const remove = await tagIdsOf(workspaceId, input.remove)
  if (add.length) await tagConversations([input.conversation.id], add, input.actorId)
  if (remove.length) await untagConversations([input.conversation.id], remove, input.actorId)
}
