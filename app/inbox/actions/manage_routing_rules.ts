import db from '@adonisjs/lucid/services/db'
import RoutingRule from '#inbox/models/routing_rule'
import AssignmentRule, { type AssignmentStrategy } from '#inbox/models/assignment_rule'
import { tenancy } from '#core/tenancy/context'

type RuleModel = typeof RoutingRule | typeof AssignmentRule

export type RoutingRuleInput = {
  name: string
  enabled?: boolean
  keywords: string[]
  channelId: number | null
  setTeamId: number | null
  setPriority: number | null
  addTagIds: number[]
}

export type AssignmentRuleInput = {
  name: string
  enabled?: boolean
  channelId: number | null
  teamId: number | null
  strategy: AssignmentStrategy
  vipTags: string[]
}

async function nextPosition(model: RuleModel) {
  const row = await model.query().max('position as top').first()
  const top = row?.$extras.top
  return top === null || top === undefined ? 0 : Number(top) + 1
}

export async function saveRoutingRule(rule: RoutingRule | null, input: RoutingRuleInput) {
  const target = rule ?? new RoutingRule()
  if (!rule) target.position = await nextPosition(RoutingRule)
  target.merge({
    name: input.name,
    enabled: input.enabled ?? (rule ? rule.enabled : true),
    keywords: [...new Set(input.keywords.map((keyword) => keyword.trim()).filter(Boolean))],
    channelId: input.channelId,
    setTeamId: input.setTeamId,
    setPriority: input.setPriority,
    addTagIds: [...new Set(input.addTagIds)],
  })
  await target.save()
  return target
}

export async function saveAssignmentRule(rule: AssignmentRule | null, input: AssignmentRuleInput) {
  const target = rule ?? new AssignmentRule()
  if (!rule) target.position = await nextPosition(AssignmentRule)
  target.merge({
    name: input.name,
    enabled: input.enabled ?? (rule ? rule.enabled : true),
    channelId: input.channelId,
    teamId: input.teamId,
    strategy: input.strategy,
    options:
      input.strategy === 'vip'
        ? { vipTags: [...new Set(input.vipTags.map((tag) => tag.trim()).filter(Boolean))] }
        : {},
  })
  await target.save()
  return target
}

/**
 * Moves a rule one step up or down: positions are renumbered 0..n-1 in
 * the new order (so gaps and ties from older edits disappear).
 */
export async function moveRule(
  model: RuleModel,
  rule: RoutingRule | AssignmentRule,
  direction: 'up' | 'down'
) {
  const rules = await (model as typeof RoutingRule)
    .query()
    .orderBy('position', 'asc')
    .orderBy('id', 'asc')
  const index = rules.findIndex((candidate) => candidate.id === rule.id)
  const swapWith = direction === 'up' ? index - 1 : index + 1
  if (index < 0 || swapWith < 0 || swapWith >= rules.length) return
  ;[rules[index], rules[swapWith]] = [rules[swapWith], rules[index]]
  const workspaceId = tenancy.workspaceId()
  await db.transaction(async (trx) => {
    for (const [position, candidate] of rules.entries()) {
      if (candidate.position === position) continue
      await trx
        .from(model.table)
        .where('workspace_id', workspaceId)
        .where('id', candidate.id)
        .update({ position })
    }
  })
}
