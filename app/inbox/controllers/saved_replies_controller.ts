import type { HttpContext } from '@adonisjs/core/http'
import { errors as lucidErrors } from '@adonisjs/lucid'
import SavedReply from '#inbox/models/saved_reply'
import Conversation from '#inbox/models/conversation'
import { replySearchValidator, savedReplyValidator } from '#inbox/validators/saved_replies'
import {
  createSavedReply,
  recordReplyUse,
  updateSavedReply,
  type SavedReplyInput,
} from '#inbox/actions/manage_saved_replies'
import {
  isVisibleTo,
  searchReplies,
  myTeamIds,
  visibleReplies,
  workspaceTeams,
} from '#inbox/queries/saved_replies'
import { REPLY_VARIABLES, renderReply, variableContext } from '#inbox/services/reply_variables'

export type SavedReplyRow = {
  id: string
  shortcut: string
  title: string
  body: string
  category: string | null
  visibility: 'personal' | 'team' | 'workspace'
  team: { id: string; name: string } | null
  usageCount: number
  /** The current member may edit and delete it. */
  editable: boolean
}

export type SavedRepliesSettingsProps = {
  replies: SavedReplyRow[]
  teams: { id: string; name: string }[]
  categories: string[]
  variables: string[]
  /** May create team and workspace replies (settings.workspace). */
  canShare: boolean
}

export type SavedReplySuggestion = {
  id: string
  shortcut: string
  title: string
  category: string | null
  body: string
  rendered: string
  missing: string[]
}

/**
 * Settings → Saved replies (inbox.reply; shared replies need
 * settings.workspace), the composer's search and the usage counter.
 */
export default class SavedRepliesController {
  async index({ inertia, bouncer, auth, member }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.reply')
    const userId = auth.user!.id
    const canShare = member.can('settings.workspace')
    const teams = await workspaceTeams()
    const teamById = new Map(teams.map((team) => [team.id, team]))
    const replies = await visibleReplies(userId, await myTeamIds(userId))
      .orderBy('category')
      .orderBy('usage_count', 'desc')
      .orderBy('shortcut')
    const props: SavedRepliesSettingsProps = {
      replies: replies.map((reply) => {
        const team = reply.teamId !== null ? teamById.get(reply.teamId) : undefined
        return {
          id: reply.publicId,
          shortcut: reply.shortcut,
          title: reply.title,
          body: reply.body,
          category: reply.category,
          visibility: reply.visibility,
          team: team ? { id: team.publicId, name: team.name } : null,
          usageCount: reply.usageCount,
          editable: reply.visibility === 'personal' ? reply.ownerId === userId : canShare,
        }
      }),
      teams: teams.map((team) => ({ id: team.publicId, name: team.name })),
      categories: [
        ...new Set(replies.map((reply) => reply.category).filter((c): c is string => !!c)),
      ].sort(),
      variables: Object.keys(REPLY_VARIABLES),
      canShare,
    }
    return inertia.render('settings/replies', props)
  }

  async store({ request, bouncer, auth, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.reply')
    const payload = (await request.validateUsing(savedReplyValidator)) as SavedReplyInput
    if (payload.visibility !== 'personal') {
      await bouncer.authorize('permit', 'settings.workspace')
    }
    const reply = await createSavedReply(payload, auth.user!.id)
    if (request.accepts(['html', 'json']) === 'json') {
      return response.created({ id: reply.publicId })
    }
    session.flash('success', i18n.t('replies.created'))
    return response.redirect().back()
  }

  async update({ params, request, bouncer, auth, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.reply')
    const reply = await this.#find(params.reply, auth.user!.id)
    const payload = (await request.validateUsing(savedReplyValidator)) as SavedReplyInput
    if (reply.visibility !== 'personal' || payload.visibility !== 'personal') {
      await bouncer.authorize('permit', 'settings.workspace')
    }
    await updateSavedReply(reply, payload, auth.user!.id)
    if (request.accepts(['html', 'json']) === 'json') return { id: reply.publicId }
    session.flash('success', i18n.t('replies.updated'))
    return response.redirect().back()
  }

  async destroy({ params, request, bouncer, auth, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.reply')
    const reply = await this.#find(params.reply, auth.user!.id)
    if (reply.visibility !== 'personal') {
      await bouncer.authorize('permit', 'settings.workspace')
    }
    await reply.delete()
    if (request.accepts(['html', 'json']) === 'json') return response.noContent()
    session.flash('success', i18n.t('replies.deleted'))
    return response.redirect().back()
  }

  /**
   * GET /w/:workspace/inbox/replies?q=&conversation=: up to 10 visible
   * replies, best match first, with variables filled for the conversation.
   */
  async search({ request, bouncer, auth, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.reply')
    const input = await replySearchValidator.validate(request.qs())
    const conversation = input.conversation
      ? await Conversation.findByOrFail('public_id', input.conversation)
      : null
    const replies = await searchReplies(auth.user!.id, input.q ?? '')
    const context = await variableContext({
      contactId: conversation?.contactId ?? null,
      agentName: auth.user!.fullName,
      workspaceName: workspace.name,
    })
    return replies.map((reply): SavedReplySuggestion => {
      const { rendered, missing } = renderReply(reply.body, context)
      return {
        id: reply.publicId,
        shortcut: reply.shortcut,
        title: reply.title,
        category: reply.category,
        body: reply.body,
        rendered,
        missing,
      }
    })
  }

  /** POST /w/:workspace/inbox/replies/:reply/used */
  async used({ params, bouncer, auth }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.reply')
    const reply = await this.#find(params.reply, auth.user!.id)
    return { id: reply.publicId, usageCount: await recordReplyUse(reply) }
  }

  /** A reply of this workspace the user may see; anything else is a 404. */
  async #find(publicId: string, userId: number) {
    const reply = await SavedReply.findByOrFail('public_id', publicId)
    if (!(await isVisibleTo(reply, userId))) throw new lucidErrors.E_ROW_NOT_FOUND(SavedReply)
    return reply
  }
}
