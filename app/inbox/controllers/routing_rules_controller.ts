import type { HttpContext } from '@adonisjs/core/http'
import RoutingRule from '#inbox/models/routing_rule'
import AssignmentRule from '#inbox/models/assignment_rule'
import Team from '#inbox/models/team'
import Channel from '#channels/models/channel'
import Tag from '#contacts/models/tag'
import {
  assignmentRuleValidator,
  ruleMoveValidator,
  ruleToggleValidator,
  routingRuleValidator,
} from '#inbox/validators/routing'
import { moveRule, saveAssignmentRule, saveRoutingRule } from '#inbox/actions/manage_routing_rules'
import { teamIdOf } from '#inbox/services/members'
import { inboxFieldError } from '#inbox/validators/field_error'

type Ref = { id: string; name: string }

export type RoutingRuleRow = {
  id: string
  name: string
  enabled: boolean
  keywords: string[]
  channelId: string | null
  setTeamId: string | null
  setPriority: number | null
  addTagIds: string[]
}

export type AssignmentRuleRow = {
  id: string
  name: string
  enabled: boolean
  channelId: string | null
  teamId: string | null
  strategy: string
  vipTags: string[]
}

export type RoutingSettingsProps = {
  routingRules: RoutingRuleRow[]
  assignmentRules: AssignmentRuleRow[]
  teams: Ref[]
  channels: Ref[]
  tags: Ref[]
}

async function channelIdOf(publicId: string | null | undefined) {
  if (!publicId) return null
  const channel = await Channel.query().where('public_id', publicId).first()
  if (!channel) inboxFieldError('channelId', 'routing.errors.channel_not_found')
  return channel.id
}

async function tagIdsOf(publicIds: string[] | undefined) {
  if (!publicIds?.length) return []
  const tags = await Tag.query().whereIn('public_id', publicIds)
  if (tags.length !== new Set(publicIds).size) {
    inboxFieldError('addTagIds', 'routing.errors.tag_not_found')
  }
  return tags.map((tag) => tag.id)
}

const optionalTeam = (publicId: string | null | undefined, field: string) =>
  publicId ? teamIdOf(publicId, field) : Promise.resolve(null)

/**
 * Settings → Routing (settings.workspace): routing rules (keywords and
 * channel → team, priority, tags) and assignment rules (scope and
 * strategy), each ordered, editable, movable and switchable.
 */
export default class RoutingRulesController {
  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const [routing, assignment, teams, channels, tags] = await Promise.all([
      RoutingRule.query().orderBy('position').orderBy('id'),
      AssignmentRule.query().orderBy('position').orderBy('id'),
      Team.query().orderBy('name'),
      Channel.query().orderBy('name'),
      Tag.query().orderBy('name'),
    ])
    const teamPublic = new Map(teams.map((team) => [team.id, team.publicId]))
    const channelPublic = new Map(channels.map((channel) => [channel.id, channel.publicId]))
    const tagPublic = new Map(tags.map((tag) => [tag.id, tag.publicId]))
    const props: RoutingSettingsProps = {
      routingRules: routing.map((rule) => ({
        id: rule.publicId,
        name: rule.name,
        enabled: rule.enabled,
        keywords: rule.keywords,
        channelId: rule.channelId !== null ? (channelPublic.get(rule.channelId) ?? null) : null,
        setTeamId: rule.setTeamId !== null ? (teamPublic.get(rule.setTeamId) ?? null) : null,
        setPriority: rule.setPriority,
        addTagIds: rule.addTagIds
          .map((id) => tagPublic.get(id))
          .filter((id): id is string => Boolean(id)),
      })),
      assignmentRules: assignment.map((rule) => ({
        id: rule.publicId,
        name: rule.name,
        enabled: rule.enabled,
        channelId: rule.channelId !== null ? (channelPublic.get(rule.channelId) ?? null) : null,
        teamId: rule.teamId !== null ? (teamPublic.get(rule.teamId) ?? null) : null,
        strategy: rule.strategy,
        vipTags: rule.options.vipTags ?? [],
      })),
      teams: teams.map((team) => ({ id: team.publicId, name: team.name })),
      channels: channels.map((channel) => ({ id: channel.publicId, name: channel.name })),
      tags: tags.map((tag) => ({ id: tag.publicId, name: tag.name })),
    }
    return inertia.render('settings/routing', props)
  }

  async storeRouting(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'settings.workspace')
    await this.#saveRouting(ctx, null)
    ctx.session.flash('success', ctx.i18n.t('routing.rule_saved'))
    return ctx.response.redirect().back()
  }

  async updateRouting(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'settings.workspace')
    const rule = await RoutingRule.findByOrFail('public_id', ctx.params.rule)
    await this.#saveRouting(ctx, rule)
    ctx.session.flash('success', ctx.i18n.t('routing.rule_saved'))
    return ctx.response.redirect().back()
  }

  async #saveRouting({ request }: HttpContext, rule: RoutingRule | null) {
    const payload = await request.validateUsing(routingRuleValidator)
    return saveRoutingRule(rule, {
      name: payload.name,
      enabled: payload.enabled,
      keywords: payload.keywords,
      channelId: await channelIdOf(payload.channelId),
      setTeamId: await optionalTeam(payload.setTeamId, 'setTeamId'),
      setPriority: payload.setPriority ?? null,
      addTagIds: await tagIdsOf(payload.addTagIds),
    })
  }

  async storeAssignment(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'settings.workspace')
    await this.#saveAssignment(ctx, null)
    ctx.session.flash('success', ctx.i18n.t('routing.rule_saved'))
    return ctx.response.redirect().back()
  }

  async updateAssignment(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'settings.workspace')
    const rule = await AssignmentRule.findByOrFail('public_id', ctx.params.assignmentRule)
    await this.#saveAssignment(ctx, rule)
    ctx.session.flash('success', ctx.i18n.t('routing.rule_saved'))
    return ctx.response.redirect().back()
  }

  async #saveAssignment({ request }: HttpContext, rule: AssignmentRule | null) {
    const payload = await request.validateUsing(assignmentRuleValidator)
    if (payload.strategy === 'vip' && !payload.vipTags?.length) {
      inboxFieldError('vipTags', 'routing.errors.vip_tags_required')
    }
    return saveAssignmentRule(rule, {
      name: payload.name,
      enabled: payload.enabled,
      channelId: await channelIdOf(payload.channelId),
      teamId: await optionalTeam(payload.teamId, 'teamId'),
      strategy: payload.strategy as AssignmentRule['strategy'],
      vipTags: payload.vipTags ?? [],
    })
  }

  /** PUT …/rules/:rule/enabled and …/assignment-rules/:assignmentRule/enabled { enabled } */
  async toggle(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'settings.workspace')
    const rule = await this.#find(ctx)
    const { enabled } = await ctx.request.validateUsing(ruleToggleValidator)
    rule.enabled = enabled
    await rule.save()
    ctx.session.flash('success', ctx.i18n.t('routing.rule_saved'))
    return ctx.response.redirect().back()
  }

  /** POST …/:rule/move { direction: up | down } */
  async move(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'settings.workspace')
    const rule = await this.#find(ctx)
    const { direction } = await ctx.request.validateUsing(ruleMoveValidator)
    await moveRule(
      rule instanceof RoutingRule ? RoutingRule : AssignmentRule,
      rule,
      direction as 'up' | 'down'
    )
    return ctx.response.redirect().back()
  }

  async destroy(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'settings.workspace')
    const rule = await this.#find(ctx)
    await rule.delete()
    ctx.session.flash('success', ctx.i18n.t('routing.rule_deleted'))
    return ctx.response.redirect().back()
  }

  #find(ctx: HttpContext): Promise<RoutingRule | AssignmentRule> {
    return ctx.params.assignmentRule !== undefined
      ? AssignmentRule.findByOrFail('public_id', ctx.params.assignmentRule)
      : RoutingRule.findByOrFail('public_id', ctx.params.rule)
  }
}
