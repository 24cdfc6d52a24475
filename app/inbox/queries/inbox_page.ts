import db from '@adonisjs/lucid/services/db'
import type { InboxPageProps } from '#inbox/types'
import type { InboxScope } from '#inbox/queries/inbox_scope'
import { assignableUserIds } from '#inbox/services/agents'
import { MEDIA_LIMITS } from '#inbox/services/media_limits'
import { workspaceChannel } from '#core/realtime'
import SavedFilter from '#inbox/models/saved_filter'

/**
 * Everything the inbox page needs besides the list and the open
 * conversation: agents (members whose role grants inbox.view) with their
 * availability, teams, channels, tags, the member's saved filters and
 * notification settings, Meta's media limits and the realtime channel.
 */
export async function inboxPageContext(
  scope: InboxScope
): Promise<
  Pick<
    InboxPageProps,
    | 'agents'
    | 'teams'
    | 'channels'
    | 'tags'
    | 'savedFilters'
    | 'me'
    | 'mediaLimits'
    | 'realtimeChannel'
  >
> {
  const { workspaceId } = scope
  const agentIds = await assignableUserIds(workspaceId)
  const memberIds = [...new Set([...agentIds, scope.userId])]
  const [members, profiles, teams, channels, tags, saved, realtimeChannel] = await Promise.all([
    db
      .from('memberships')
      .join('users', 'users.id', 'memberships.user_id')
      .where('memberships.workspace_id', workspaceId)
      .whereIn('memberships.user_id', memberIds)
      .orderBy('users.full_name')
      .select('memberships.user_id', 'memberships.public_id', 'users.full_name'),
    db
      .from('agent_profiles')
      .where('workspace_id', workspaceId)
      .whereIn('user_id', memberIds)
      .select('user_id', 'availability', 'notify_desktop', 'notify_sound'),
    db.from('teams').where('workspace_id', workspaceId).orderBy('name').select('public_id', 'name'),
    db
      .from('channels')
      .where('workspace_id', workspaceId)
      .orderBy('id')
      .select('public_id', 'name', 'driver'),
    db
      .from('tags')
      .where('workspace_id', workspaceId)
      .orderBy('name')
      .select('public_id', 'name', 'color'),
    SavedFilter.query().where('user_id', scope.userId).orderBy('id'),
    workspaceChannel(workspaceId, 'inbox'),
  ])
  const profileOf = new Map(profiles.map((row) => [Number(row.user_id), row]))
  const agentSet = new Set(agentIds)
  const meRow = members.find((row) => Number(row.user_id) === scope.userId)
  const meProfile = profileOf.get(scope.userId)
  return {
    agents: members
      .filter((row) => agentSet.has(Number(row.user_id)))
      .map((row) => ({
        id: row.public_id,
        name: row.full_name,
        availability: profileOf.get(Number(row.user_id))?.availability ?? 'offline',
      })),
    teams: teams.map((row) => ({ id: row.public_id, name: row.name })),
    channels: channels.map((row) => ({ id: row.public_id, name: row.name, driver: row.driver })),
    tags: tags.map((row) => ({ id: row.public_id, name: row.name, color: row.color })),
    savedFilters: saved.map(serializeSavedFilter),
    me: {
      id: meRow?.public_id ?? '',
      name: meRow?.full_name ?? '',
      availability: meProfile?.availability ?? 'offline',
      notifyDesktop: meProfile ? Boolean(meProfile.notify_desktop) : true,
      notifySound: meProfile ? Boolean(meProfile.notify_sound) : true,
    },
    mediaLimits: MEDIA_LIMITS,
    realtimeChannel,
  }
}

export function serializeSavedFilter(filter: SavedFilter) {
  return { id: filter.publicId, name: filter.name, filters: filter.filters }
}
