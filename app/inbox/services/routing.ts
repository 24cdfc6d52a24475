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
import type { MessagesReceivedEvent, ReceivedMessage } from '#inbox/events'

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
  limit: number | null
  lastAssignedSeq: number
  skills: string[]
  isSenior: boolean
}

type RoutedConversation = Pick<
  Conversation,
  'id' | 'workspaceId' | 'channelId' | 'teamId' | 'contactId' | 'language' | 'status'
> & { waitingSince?: Conversation['waitingSince'] }

/**
 * What a batch of assignments shares (`routeReceived`): the enabled rules,
 * read once, and each team's eligible agents, read on first use and kept
 * current in memory as the batch assigns (load + 1, to the back of the
 * round robin, dropped at their limit). The assignment itself still
 * checks the agent's limit under a row lock, so a stale entry can only
 * cost a retry with the next agent.
 */
export type AssignmentBatch = {
  rules: AssignmentRule[]
  agentsByTeam: Map<number | null, Candidate[]>
  nextSeq: number
}

async function enabledAssignmentRules() {
  return AssignmentRule.query()
    .where('enabled', true)
    .orderBy('position', 'asc')
    .orderBy('id', 'asc')
}

/** A batch context for `assignByRules`; runs in the tenant context. */
export async function assignmentBatch(): Promise<AssignmentBatch> {
  return {
    rules: await enabledAssignmentRules(),
    agentsByTeam: new Map(),
    nextSeq: Number.MAX_SAFE_INTEGER / 2,
  }
}

function noteAssigned(batch: AssignmentBatch, userId: number) {
  const seq = batch.nextSeq++
  for (const [team, agents] of batch.agentsByTeam) {
    const kept: Candidate[] = []
    for (const agent of agents) {
      if (agent.userId === userId) {
        agent.load += 1
        agent.lastAssignedSeq = seq
        if (agent.limit !== null && agent.load >= agent.limit) continue
      }
      kept.push(agent)
    }
    batch.agentsByTeam.set(team, kept)
  }
}

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
  reason: 'rule' | 'queue' = 'rule',
  batch?: AssignmentBatch
): Promise<AssignOutcome> {
  const workspaceId = conversation.workspaceId
  return tenancy.run(workspaceId, async () => {
    const rules = batch ? batch.rules : await enabledAssignmentRules()
    const agentsByTeam = batch ? batch.agentsByTeam : new Map<number | null, Candidate[]>()
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
          if (result.assigneeId !== agent.userId) return 'skipped'
          if (batch) noteAssigned(batch, agent.userId)
          return 'assigned'
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
    } else if (conversation.waitingSince !== null) {
      // (undefined: not known by the caller, so cleared if set.)
      await query.whereNotNull('waiting_since').update({ waiting_since: null })
    }
    return inScope ? 'queued' : 'no_rule'
  })
}

/**
 * Applies the first matching routing rule to a conversation: team,
 * priority, tags. Returns the rule applied, if any.
 */
export async function applyRoutingRules(
  conversation: Conversation,
  text: string | null,
  enabledRules?: RoutingRule[]
) {
  return tenancy.run(conversation.workspaceId, async () => {
    const rules = enabledRules ?? (await enabledRoutingRules())
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

function enabledRoutingRules() {
  return RoutingRule.query().where('enabled', true).orderBy('position', 'asc').orderBy('id', 'asc')
}

/**
 * The whole pipeline for a batch of inbound messages
 * (`inbox:messages_received`), per conversation in the order of its first
 * message in the batch: on the conversation's first inbound message, its
 * language is detected and the routing rules run; then, while the
 * conversation is open, unassigned and not already queued, the
 * assignment rules. One statement reads the batch's conversations; rules
 * and eligible agents are read once per batch. Idempotent: a replayed
 * batch finds its conversations assigned or queued, and routing rules set
 * team and tags rather than adding them twice.
 */
export async function routeReceived(event: MessagesReceivedEvent) {
  return tenancy.run(event.workspaceId, async () => {
    const firstOf = new Map<number, ReceivedMessage>()
    for (const message of event.messages) {
      if (!firstOf.has(message.conversationId)) firstOf.set(message.conversationId, message)
    }
    const loaded = await Conversation.query()
      .whereIn('id', [...firstOf.keys()])
      .where('status', 'open')
    const byId = new Map(loaded.map((conversation) => [conversation.id, conversation]))

    let routingRules: RoutingRule[] | undefined
    let batch: AssignmentBatch | undefined
    for (const [conversationId, message] of firstOf) {
      const conversation = byId.get(conversationId)
      if (!conversation) continue
      try {
        if (message.firstInbound) {
          if (!conversation.language) {
            const language = detectLanguage(message.body)
            if (language) {
              conversation.language = language
              await conversation.save()
            }
          }
          routingRules ??= await enabledRoutingRules()
          if (routingRules.length) await applyRoutingRules(conversation, message.body, routingRules)
        }
        if (conversation.assigneeId !== null || conversation.waitingSince !== null) continue
        batch ??= await assignmentBatch()
        if (!batch.rules.length) continue
        await assignByRules(conversation, 'rule', batch)
      } catch (error) {
        // Never fail the ingestion of a message because of its side effects.
        logger.error(
          { err: error, workspaceId: event.workspaceId, conversationId },
          'routing: assignment failed'
        )
      }
    }
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
