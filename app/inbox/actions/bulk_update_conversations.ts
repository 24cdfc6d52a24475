import db from '@adonisjs/lucid/services/db'
import Conversation from '#inbox/models/conversation'
import { assignConversation } from '#inbox/actions/assign_conversation'
import { tagConversations, untagConversations } from '#inbox/actions/tag_conversations'
import { changeConversationStatus } from '#inbox/actions/change_conversation_status'
import { markConversationsRead } from '#inbox/actions/mark_conversation_read'
import { tagIdsOf } from '#inbox/actions/update_conversation'
import { canSee, type InboxScope } from '#inbox/queries/inbox_scope'
import {
  ConversationNotVisibleException,
  ConversationsNotFoundException,
} from '#inbox/exceptions/inbox_exceptions'
import {
  NotAssignableException,
  TeamNotFoundException,
} from '#inbox/exceptions/assignment_exceptions'

export type BulkAction = 'assign' | 'team' | 'tag' | 'untag' | 'resolve' | 'reopen' | 'read'

export type BulkInput = {
  action: BulkAction
  conversations: string[]
  /** Membership public id, or null / 'none' to unassign. */
  assignee?: string | null
  /** Team public id, or null / 'none' to clear. */
  team?: string | null
  tags?: string[]
}

/**
 * One action on many conversations (public ids, at most 500). Every
 * conversation must exist in the workspace (else 404, nothing changes)
 * and be visible to the member (else 403, nothing changes). Permissions
 * per action are checked by the controller. Returns how many
 * conversations changed.
 */
export async function bulkUpdateConversations(scope: InboxScope, input: BulkInput) {
  const publicIds = [...new Set(input.conversations)]
  const conversations = await Conversation.query().whereIn('public_id', publicIds)
  if (conversations.length !== publicIds.length) throw new ConversationsNotFoundException()
  if (conversations.some((conversation) => !canSee(scope, conversation))) {
    throw new ConversationNotVisibleException()
  }
  const actorId = scope.userId
  let updated = 0

  switch (input.action) {
    case 'assign': {
      const toUserId = await userIdOf(scope.workspaceId, input.assignee)
      for (const conversation of conversations) {
        const before = conversation.assigneeId
        await assignConversation({ conversation, toUserId, actorId, reason: 'manual' })
        if (conversation.assigneeId !== before) updated++
      }
      break
    }
    case 'team': {
      const toTeamId = await teamIdOf(scope.workspaceId, input.team)
      for (const conversation of conversations) {
        const before = conversation.teamId
        await assignConversation({
          conversation,
          toUserId: conversation.assigneeId,
          toTeamId,
          actorId,
          reason: 'manual',
        })
        if (conversation.teamId !== before) updated++
      }
      break
    }
    case 'tag':
    case 'untag': {
      const tagIds = await tagIdsOf(scope.workspaceId, input.tags ?? [])
      if (!tagIds.length) break
      const ids = conversations.map((conversation) => conversation.id)
      if (input.action === 'tag') await tagConversations(ids, tagIds, actorId)
      else await untagConversations(ids, tagIds, actorId)
      updated = ids.length
      break
    }
    case 'resolve':
    case 'reopen': {
      const status = input.action === 'resolve' ? 'resolved' : 'open'
      for (const conversation of conversations) {
        if (await changeConversationStatus({ conversation, status, actorId })) updated++
      }
      break
    }
    case 'read':
      updated = await markConversationsRead({
        workspaceId: scope.workspaceId,
        conversations,
        actorId,
      })
      break
  }
  return { updated }
}

async function userIdOf(workspaceId: number, assignee: string | null | undefined) {
  if (!assignee || assignee === 'none') return null
  const row = await db
    .from('memberships')
    .where('workspace_id', workspaceId)
    .where('public_id', assignee)
    .select('user_id')
    .first()
  if (!row) throw new NotAssignableException()
  return Number(row.user_id)
}

async function teamIdOf(workspaceId: number, team: string | null | undefined) {
  if (!team || team === 'none') return null
  const row = await db
    .from('teams')
    .where('workspace_id', workspaceId)
    .where('public_id', team)
    .select('id')
    .first()
  if (!row) throw new TeamNotFoundException()
  return Number(row.id)
}
