import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import Conversation from '#inbox/models/conversation'
import AgentProfile from '#inbox/models/agent_profile'
import AssignmentRule from '#inbox/models/assignment_rule'
import RoutingRule from '#inbox/models/routing_rule'
import { assignConversation } from '#inbox/actions/assign_conversation'
import { tagConversations } from '#inbox/actions/tag_conversations'
import { AgentAtCapacityException } from '#inbox/exceptions/assignment_exceptions'
import { assignableUserIds, openLoads } from '#inbox/services/agents'
import { detectLanguage } from '#inbox/services/language'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'

/**
 * Automatic routing and assignment (issue 5, section 3).
 *
 * 1. Routing rules run on the first inbound message of a conversation
 *    (later messages never re-route it, so an agent's manual team change
 *    sticks). The first enabled rule by position whose conditions all
 *    match (any keyword as a whole word, case insensitive; the channel;
 *    a rule without conditions matches every new conversation) applies
 *    its actions: team, priority, tags.
 * 2. Assignment rules run for every inbound message of an open,
 *    unassigned conversation that does not already wait in the queue.
 *    Enabled rules are tried by position; a rule is in scope when its
 *    channel and team (null = any) match the conversation. The first
 *    in-scope rule that finds an eligible agent assigns (reason `rule`);
 *    a rule that finds nobody passes on to the next (overflow), except a
 *    VIP rule for a VIP conversation, which waits for a senior agent.
 *    When rules were in scope but nobody was eligible, the conversation
 *    waits in the queue (`waiting_since`); when no rule is in scope it
 *    simply stays unassigned.
 * 3. The queue drains (reason `queue`) when an agent comes online, and
 *    every minute (the auto-away sweep), so a resolved conversation frees
 *    a slot within a minute: VIP conversations first, then by priority,
 *    then the longest waiting.
 */

type Candidate = {
  userId: number
  load: number
  lastAssignedSeq: number
  skills: string[]
  isSenior: boolean
}

type RoutedConversation = Pick<
  Conversation,
  'id' | 'workspaceId' | 'channelId' | 'teamId' | 'contactId' | 'language' | 'status'
>

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Any of the keywords as a whole word (letters of any script), case insensitive. */
export function matchesKeywords(text: string, keywords: string[]): boolean {
  return keywords.some((keyword) => {
    const trimmed = keyword.trim()
    if (!trimmed) return false
    const pattern = new RegExp(
      `(?<![\\p{L}\\p{N}_])${escapeRegExp(trimmed)}(?![\\p{L}\\p{N}_])`,
      'iu'
    )
    return pattern.test(text)
  })
}

/** Lower-cased names of the conversation's tags (and the contact's, when asked). */
async function tagNames(conversation: RoutedConversation, withContact: boolean) {
  const names = new Set<string>()
  const conversationTags: { name: string }[] = await db
    .from('conversation_tags')
    .join('tags', 'tags.id', 'conversation_tags.tag_id')
    .where('conversation_tags.workspace_id', conversation.workspaceId)
    .where('conversation_tags.conversation_id', conversation.id)
    .select('tags.name')
  for (const row of conversationTags) names.add(row.name.toLowerCase())
  if (withContact) {
    const contactTags: { name: string }[] = await db
      .from('contact_tags')
      .join('tags', 'tags.id', 'contact_tags.tag_id')
      .where('contact_tags.workspace_id', conversation.workspaceId)
      .where('contact_tags.contact_id', conversation.contactId)
      .select('tags.name')
    for (const row of contactTags) names.add(row.name.toLowerCase())
  }
  return names
}

/** The VIP tag names of every enabled VIP rule (lower case). */
async function vipTagNames(workspaceId: number) {
  const rules = await tenancy.run(workspaceId, () =>
    AssignmentRule.query().where('enabled', true).where('strategy', 'vip')
  )
  return new Set(rules.flatMap((rule) => (rule.options.vipTags ?? []).map((t) => t.toLowerCase())))
}

/**
 * The agents who may receive a conversation now: members of the team (or
 * every member when no team) whose role grants `inbox.view`, online, and
 * under their limit of open conversations.
 */
export async function eligibleAgents(
  workspaceId: number,
  teamId: number | null,
  excludeUserId: number | null = null
): Promise<Candidate[]> {
  let userIds: number[] | undefined
  if (teamId !== null) {
    const rows: { user_id: number }[] = await db
      .from('team_members')
      .where('workspace_id', workspaceId)
      .where('team_id', teamId)
      .select('user_id')
    userIds = rows.map((row) => Number(row.user_id))
    if (!userIds.length) return []
  }
  const assignable = (await assignableUserIds(workspaceId, userIds)).filter(
    (id) => id !== excludeUserId
  )
  if (!assignable.length) return []
  const profiles = await tenancy.run(workspaceId, () =>
    AgentProfile.query().whereIn('user_id', assignable).where('availability', 'online')
  )
  if (!profiles.length) return []
  const ids = profiles.map((profile) => profile.userId)
  const loads = await openLoads(workspaceId, ids)
  // Round robin by the latest assignment log row (ids are monotonic,
  // timestamps only have second precision).
  const sequences: { to_user_id: number; seq: number | string }[] = await db
    .from('assignment_events')
    .where('workspace_id', workspaceId)
    .whereIn('to_user_id', ids)
    .groupBy('to_user_id')
    .select('to_user_id')
    .max('id as seq')
  const seqOf = new Map(sequences.map((row) => [Number(row.to_user_id), Number(row.seq)]))
  return profiles
    .map((profile) => ({
      userId: profile.userId,
      load: loads.get(profile.userId) ?? 0,
      limit: profile.maxOpenConversations,
      lastAssignedSeq: seqOf.get(profile.userId) ?? 0,
      skills: (profile.skills ?? []).map((skill) => skill.toLowerCase()),
      isSenior: profile.isSenior,
    }))
    .filter((agent) => agent.limit === null || agent.load < agent.limit)
    .map(({ limit: _limit, ...agent }) => agent)
}

const byRoundRobin = (a: Candidate, b: Candidate) =>
  a.lastAssignedSeq - b.lastAssignedSeq || a.userId - b.userId
const byLoad = (a: Candidate, b: Candidate) => a.load - b.load || byRoundRobin(a, b)

/** The candidates of a rule for a conversation, best first; empty when the rule does not apply. */
async function rankCandidates(
  rule: AssignmentRule,
  conversation: RoutedConversation,
  agents: Candidate[]
): Promise<{ applies: boolean; ranked: Candidate[] }> {
  switch (rule.strategy) {
    case 'round_robin':
      return { applies: true, ranked: [...agents].sort(byRoundRobin) }
    case 'least_loaded':
      return { applies: true, ranked: [...agents].sort(byLoad) }
    case 'skills': {
      const wanted = await tagNames(conversation, false)
      if (conversation.language) wanted.add(conversation.language.toLowerCase())
      const scored = agents
        .map((agent) => ({ agent, score: agent.skills.filter((s) => wanted.has(s)).length }))
        .filter((entry) => entry.score > 0)
        .sort((a, b) => b.score - a.score || byLoad(a.agent, b.agent))
      return { applies: true, ranked: scored.map((entry) => entry.agent) }
    }
    case 'vip': {
      const vipTags = new Set((rule.options.vipTags ?? []).map((tag) => tag.toLowerCase()))
      const names = await tagNames(conversation, true)
      const isVip = [...names].some((name) => vipTags.has(name))
      if (!isVip) return { applies: false, ranked: [] }
      return { applies: true, ranked: agents.filter((agent) => agent.isSenior).sort(byLoad) }
    }
  }
}

export type AssignOutcome = 'assigned' | 'queued' | 'no_rule' | 'skipped'

/**
 * Runs the assignment rules for one conversation (open and unassigned).
 * Safe to call concurrently: the assignment itself re-checks the agent's
 * limit under a row lock and only assigns a still unassigned conversation.
 */
export async function assignByRules(
  conversation: RoutedConversation,
  reason: 'rule' | 'queue' = 'rule'
): Promise<AssignOutcome> {
  const workspaceId = conversation.workspaceId
  return tenancy.run(workspaceId, async () => {
    const rules = await AssignmentRule.query()
      .where('enabled', true)
      .orderBy('position', 'asc')
      .orderBy('id', 'asc')
    const agentsByTeam = new Map<number | null, Candidate[]>()
    let inScope = false
    for (const rule of rules) {
      if (rule.channelId !== null && rule.channelId !== conversation.channelId) continue
      if (rule.teamId !== null && rule.teamId !== conversation.teamId) continue
      if (!agentsByTeam.has(rule.teamId)) {
        agentsByTeam.set(rule.teamId, await eligibleAgents(workspaceId, rule.teamId))
      }
      const { applies, ranked } = await rankCandidates(
        rule,
        conversation,
        agentsByTeam.get(rule.teamId)!
      )
      if (!applies) continue
      inScope = true
      // A VIP waits for a senior (first in the queue) rather than falling through.
      const terminal = rule.strategy === 'vip'
      for (const agent of ranked) {
        try {
          const stored = await Conversation.findOrFail(conversation.id)
          if (stored.assigneeId !== null || stored.status !== 'open') return 'skipped'
          const result = await assignConversation({
            conversation: stored,
            toUserId: agent.userId,
            actorId: null,
            reason,
            ruleName: rule.name,
            onlyIfUnassigned: true,
          })
          return result.assigneeId === agent.userId ? 'assigned' : 'skipped'
        } catch (error) {
          // Another assignment filled this agent up meanwhile: try the next one.
          if (error instanceof AgentAtCapacityException) continue
          throw error
        }
      }
      if (terminal) break
    }
    // Enter (or leave) the queue; keep the original waiting time.
    const query = Conversation.query().where('id', conversation.id).whereNull('assignee_id')
    if (inScope) {
      await query.whereNull('waiting_since').update({ waiting_since: sqlDateTime() })
    } else {
      await query.whereNotNull('waiting_since').update({ waiting_since: null })
    }
    return inScope ? 'queued' : 'no_rule'
  })
}

/**
 * Applies the first matching routing rule to a conversation: team,
 * priority, tags. Returns the rule applied, if any.
 */
export async function applyRoutingRules(conversation: Conversation, text: string | null) {
  return tenancy.run(conversation.workspaceId, async () => {
    const rules = await RoutingRule.query()
      .where('enabled', true)
      .orderBy('position', 'asc')
      .orderBy('id', 'asc')
    for (const rule of rules) {
      if (rule.channelId !== null && rule.channelId !== conversation.channelId) continue
      if (rule.keywords.length && !(text && matchesKeywords(text, rule.keywords))) continue

      if (rule.setTeamId !== null && rule.setTeamId !== conversation.teamId) {
        await assignConversation({
          conversation,
          toUserId: conversation.assigneeId,
          toTeamId: rule.setTeamId,
          actorId: null,
          reason: 'rule',
          ruleName: rule.name,
        })
      }
      if (rule.setPriority !== null && rule.setPriority !== conversation.priority) {
        await Conversation.query()
          .where('id', conversation.id)
          .update({ priority: rule.setPriority })
        conversation.priority = rule.setPriority
      }
      if (rule.addTagIds.length) await tagConversations([conversation.id], rule.addTagIds, null)
      return rule
    }
    return null
  })
}

/**
 * The whole pipeline for one inbound message: routing rules on the
 * conversation's first inbound message, then assignment rules while the
 * conversation is open, unassigned and not already queued. Idempotent.
 */
export async function routeConversation(event: {
  workspaceId: number
  conversationId: number
  messageId?: number
  body?: string | null
}) {
  return tenancy.run(event.workspaceId, async () => {
    // The conversation and (when a message is named) its first inbound
    // message's id, in one statement: this runs for every inbound message.
    const query = Conversation.query().where('id', event.conversationId).select('conversations.*')
    if (event.messageId !== undefined) {
      query.select(
        db.raw(
          '(SELECT MIN(m.id) FROM messages m WHERE m.workspace_id = conversations.workspace_id AND m.conversation_id = conversations.id AND m.direction = ?) AS first_inbound_id',
          ['in']
        )
      )
    }
    const conversation = await query.first()
    if (!conversation || conversation.status !== 'open') return 'skipped' as const

    if (event.messageId !== undefined) {
      if (Number(conversation.$extras.first_inbound_id) === event.messageId) {
        let text = event.body ?? null
        if (text === null) {
          const row = await db
            .from('messages')
            .where('workspace_id', event.workspaceId)
            .where('id', event.messageId)
            .select('body')
            .first()
          text = row?.body ?? null
        }
        if (!conversation.language) {
          const language = detectLanguage(text)
          if (language) {
            conversation.language = language
            await conversation.save()
          }
        }
        await applyRoutingRules(conversation, text)
      }
    }

    if (conversation.assigneeId !== null || conversation.waitingSince !== null) {
      return 'skipped' as const
    }
    return assignByRules(conversation, 'rule')
  })
}

/**
 * Assigns waiting conversations to available agents: VIP first, then by
 * priority (highest first), then the longest waiting. Stops after
 * `limit` conversations or when a pass assigns nothing new.
 */
export async function drainWaitingQueue(workspaceId: number, limit = 100) {
  return tenancy.run(workspaceId, async () => {
    const waiting = await Conversation.query()
      .where('status', 'open')
      .whereNull('assignee_id')
      .whereNotNull('waiting_since')
      .orderBy('waiting_since', 'asc')
      .orderBy('id', 'asc')
      .limit(500)
    if (!waiting.length) return 0
    const vipTags = await vipTagNames(workspaceId)
    const vip = new Set<number>()
    if (vipTags.size) {
      for (const conversation of waiting) {
        const names = await tagNames(conversation, true)
        if ([...names].some((name) => vipTags.has(name))) vip.add(conversation.id)
      }
    }
    const rank = (conversation: Conversation) => (vip.has(conversation.id) ? 1 : 0)
    const ordered = waiting
      .map((conversation, index) => ({ conversation, index }))
      .sort(
        (a, b) =>
          rank(b.conversation) - rank(a.conversation) ||
          b.conversation.priority - a.conversation.priority ||
          a.index - b.index
      )
      .map((entry) => entry.conversation)

    let assigned = 0
    let tried = 0
    for (const conversation of ordered) {
      if (tried++ >= limit) break
      const outcome = await assignByRules(conversation, 'queue')
      if (outcome === 'assigned') assigned++
    }
    return assigned
  })
}

/** Route without failing the caller (listeners): errors are logged. */
export async function safely<T>(label: string, work: () => Promise<T>): Promise<T | null> {
  try {
    return await work()
  } catch (error) {
    logger.error({ err: error }, `routing: ${label} failed`)
    return null
  }
}
