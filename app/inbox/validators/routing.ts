import vine from '@vinejs/vine'
import { AVAILABILITIES } from '#inbox/models/agent_profile'
import { ASSIGNMENT_STRATEGIES } from '#inbox/models/assignment_rule'

const publicId = () => vine.string().trim().maxLength(26)

/** Create or rename a team (Settings → Teams). */
export const teamValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(80),
    reassignOnAway: vine.boolean().optional(),
  })
)

/** Toggle "reassign when a member goes away" or rename. */
export const updateTeamValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(80).optional(),
    reassignOnAway: vine.boolean().optional(),
  })
)

/** Add a member (user public id) to a team. */
export const teamMemberValidator = vine.compile(vine.object({ userId: publicId() }))

/** An agent's inbox settings, edited by admins. */
export const agentSettingsValidator = vine.compile(
  vine.object({
    maxOpenConversations: vine.number().withoutDecimals().min(1).max(1000).nullable(),
    skills: vine.array(vine.string().trim().minLength(1).maxLength(40)).maxLength(30),
    isSenior: vine.boolean(),
  })
)

/** PUT /inbox/availability */
export const availabilityValidator = vine.compile(
  vine.object({ availability: vine.string().in([...AVAILABILITIES]) })
)

/** PUT /inbox/preferences: how the inbox tells this agent about new messages. */
export const notificationPreferencesValidator = vine.compile(
  vine.object({ notifyDesktop: vine.boolean().optional(), notifySound: vine.boolean().optional() })
)

/**
 * POST /inbox/conversations/:conversation/assign. `assignee`: a user's
 * public id, null to unassign, absent to keep; `teamId`: a team's public
 * id, null to clear, absent to keep.
 */
export const assignValidator = vine.compile(
  vine.object({
    assignee: publicId().nullable().optional(),
    teamId: publicId().nullable().optional(),
    note: vine.string().trim().maxLength(1000).nullable().optional(),
  })
)

/** A routing rule: conditions (keywords, channel) and actions (team, priority, tags). */
export const routingRuleValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(120),
    enabled: vine.boolean().optional(),
    keywords: vine.array(vine.string().trim().minLength(1).maxLength(60)).maxLength(50),
    channelId: publicId().nullable().optional(),
    setTeamId: publicId().nullable().optional(),
    setPriority: vine.number().withoutDecimals().min(0).max(4).nullable().optional(),
    addTagIds: vine.array(publicId()).maxLength(20).optional(),
  })
)

/** An assignment rule: scope (channel, team), strategy and its options. */
export const assignmentRuleValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(120),
    enabled: vine.boolean().optional(),
    channelId: publicId().nullable().optional(),
    teamId: publicId().nullable().optional(),
    strategy: vine.string().in([...ASSIGNMENT_STRATEGIES]),
    vipTags: vine.array(vine.string().trim().minLength(1).maxLength(64)).maxLength(20).optional(),
  })
)

/** Enable/disable or move a rule one step. */
export const ruleToggleValidator = vine.compile(vine.object({ enabled: vine.boolean() }))
export const ruleMoveValidator = vine.compile(
  vine.object({ direction: vine.string().in(['up', 'down']) })
)
