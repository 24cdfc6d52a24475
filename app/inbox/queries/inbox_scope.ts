import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import Conversation from '#inbox/models/conversation'
import { ConversationNotVisibleException } from '#inbox/exceptions/inbox_exceptions'

/**
 * Who is looking at the inbox and what they may see. A member with
 * `inbox.view_all` sees every conversation of the workspace; anyone else
 * sees the conversations assigned to them, the unassigned ones and those
 * of their teams, and nothing else (enforced in every query, not only in
 * the page).
 */
export type InboxScope = {
  workspaceId: number
  userId: number
  canViewAll: boolean
  /** Ids of the teams the member belongs to. */
  teamIds: number[]
  /** The member may edit contacts (`contacts.manage`): the sidebar's custom fields. */
  canManageContacts?: boolean
}

export async function teamIdsOf(workspaceId: number, userId: number): Promise<number[]> {
  const rows = await db
    .from('team_members')
    .where('workspace_id', workspaceId)
    .where('user_id', userId)
    .select('team_id')
  return rows.map((row) => Number(row.team_id))
}

export async function inboxScope(ctx: HttpContext): Promise<InboxScope> {
  const scope = scopeWithoutTeams(ctx)
  scope.teamIds = await teamIdsOf(scope.workspaceId, scope.userId)
  return scope
}

/**
 * The scope for one list view: the member's teams are read only for the
 * views that consult them (`teams`, and `all` without `inbox.view_all`);
 * `mine`, `unassigned` and a supervisor's `all` never do, which saves a
 * statement on the most frequent request of the inbox.
 */
export async function listScope(
  ctx: HttpContext,
  viewOf: (scope: InboxScope) => string | undefined
): Promise<InboxScope> {
  const scope = scopeWithoutTeams(ctx)
  const view = viewOf(scope)
  if (view === 'teams' || (view === 'all' && !scope.canViewAll)) {
    scope.teamIds = await teamIdsOf(scope.workspaceId, scope.userId)
  }
  return scope
}

function scopeWithoutTeams(ctx: HttpContext): InboxScope {
  return {
    workspaceId: ctx.workspace.id,
    userId: ctx.member.user.id,
    canViewAll: ctx.member.can('inbox.view_all'),
    teamIds: [],
    canManageContacts: ctx.member.can('contacts.manage'),
  }
}

/** Adds the visibility rule to a query on `conversations` (raw or model). */
export function whereVisible(query: any, scope: InboxScope, table = 'conversations') {
  if (scope.canViewAll) return query
  return query.where((where: any) => {
    where.where(`${table}.assignee_id`, scope.userId).orWhereNull(`${table}.assignee_id`)
    if (scope.teamIds.length) where.orWhereIn(`${table}.team_id`, scope.teamIds)
  })
}

export function canSee(scope: InboxScope, conversation: Conversation) {
  if (scope.canViewAll) return true
  if (conversation.assigneeId === null || conversation.assigneeId === undefined) return true
  if (Number(conversation.assigneeId) === scope.userId) return true
  return conversation.teamId !== null && scope.teamIds.includes(Number(conversation.teamId))
}

/**
 * The conversation named by a route parameter: looked up through the
 * tenant-scoped model (another workspace's id is a 404 with an audit row),
 * then checked against the member's visibility (403).
 */
export async function visibleConversation(scope: InboxScope, publicId: string) {
  const conversation = await Conversation.query().where('public_id', publicId).firstOrFail()
  if (!canSee(scope, conversation)) throw new ConversationNotVisibleException()
  return conversation
}
