import db from '@adonisjs/lucid/services/db'
import type { InboxCounts } from '#inbox/types'
import { whereVisible, type InboxScope } from '#inbox/queries/inbox_scope'

/**
 * Open conversations per view for one member, plus `unread`: their own
 * open conversations with unread messages. Each count is one COUNT on an
 * index that starts with (workspace_id, assignee_id | team_id | status).
 * `all` is the whole workspace with `inbox.view_all`, else everything the
 * member may see (their own, unassigned, their teams').
 */
export async function inboxCounts(scope: InboxScope): Promise<InboxCounts> {
  const open = () =>
    db
      .from('conversations')
      .where('conversations.workspace_id', scope.workspaceId)
      .where('conversations.status', 'open')
  const count = async (query: any): Promise<number> => {
    const [row] = await query.count('* as total')
    return Number(row?.total ?? 0)
  }
  const [mine, unassigned, teams, all, unread] = await Promise.all([
    count(open().where('conversations.assignee_id', scope.userId)),
    count(open().whereNull('conversations.assignee_id')),
    scope.teamIds.length
      ? count(open().whereIn('conversations.team_id', scope.teamIds))
      : Promise.resolve(0),
    count(whereVisible(open(), scope)),
    count(
      open()
        .where('conversations.assignee_id', scope.userId)
        .where('conversations.unread_count', '>', 0)
    ),
  ])
  return { mine, unassigned, teams, all, unread }
}
