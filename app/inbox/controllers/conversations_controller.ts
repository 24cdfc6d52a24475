import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import { inboxScope, listScope, visibleConversation } from '#inbox/queries/inbox_scope'
import { listConversations, parseFilters, segmentRefs } from '#inbox/queries/list_conversations'
import { inboxCounts } from '#inbox/queries/inbox_counts'
import { getConversation } from '#inbox/queries/get_conversation'
import { getThread } from '#inbox/queries/get_thread'
import { inboxPageContext } from '#inbox/queries/inbox_page'
import { changeConversationStatus } from '#inbox/actions/change_conversation_status'
import { markConversationsRead, sendTyping } from '#inbox/actions/mark_conversation_read'
import { setConversationPriority, retagConversation } from '#inbox/actions/update_conversation'
import {
  conversationTagsValidator,
  priorityValidator,
  statusValidator,
} from '#inbox/validators/conversations'
import { InvalidSnoozeException } from '#inbox/exceptions/inbox_exceptions'
import type { InboxPageProps } from '#inbox/types'

export const mediaUrlFor = (slug: string) => (publicId: string) =>
  `/w/${slug}/inbox/media/${publicId}`

/**
 * The inbox: the page (list, counts, the open conversation and its
 * thread) and the JSON endpoints the page calls for the list, counts,
 * conversation details and quick actions (status, priority, tags, read,
 * typing). Every conversation goes through the member's visibility.
 */
export default class ConversationsController {
  /** GET /inbox and GET /inbox/c/:conversation (marks it read). */
  async index(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const scope = await inboxScope(ctx)
    const filters = parseFilters(ctx.request.qs(), scope)
    const conversation = ctx.params.conversation
      ? await visibleConversation(scope, ctx.params.conversation)
      : null
    if (conversation) {
      await markConversationsRead({
        workspaceId: scope.workspaceId,
        conversations: [conversation],
        actorId: scope.userId,
      })
    }
    // Props are functions: a partial reload (`only: ['conversation', 'thread']`)
    // computes only what it asks for.
    let context: ReturnType<typeof inboxPageContext> | null = null
    const shared = () => (context = context ?? inboxPageContext(scope))
    const props: { [K in keyof InboxPageProps]: () => Promise<InboxPageProps[K]> } = {
      filters: async () => filters,
      page: () => listConversations(scope, filters),
      counts: () => inboxCounts(scope),
      conversation: async () => (conversation ? getConversation(scope, conversation) : null),
      thread: async () =>
        conversation
          ? getThread({
              workspaceId: scope.workspaceId,
              conversationId: conversation.id,
              mediaUrl: mediaUrlFor(ctx.workspace.slug),
            })
          : null,
      agents: async () => (await shared()).agents,
      teams: async () => (await shared()).teams,
      channels: async () => (await shared()).channels,
      tags: async () => (await shared()).tags,
      savedFilters: async () => (await shared()).savedFilters,
      segments: async () =>
        ctx.member.can('contacts.view') ? segmentRefs(scope.workspaceId) : null,
      me: async () => (await shared()).me,
      mediaLimits: async () => (await shared()).mediaLimits,
      realtimeChannel: async () => (await shared()).realtimeChannel,
    }
    return ctx.inertia.render('inbox/index', props)
  }

  /** GET /inbox/conversations → ConversationPage */
  async list(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const qs = ctx.request.qs()
    const scope = await listScope(ctx, (base) => parseFilters(qs, base).view)
    return listConversations(scope, parseFilters(qs, scope))
  }

  /** GET /inbox/counts → InboxCounts */
  async counts(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    return inboxCounts(await inboxScope(ctx))
  }

  /** GET /inbox/conversations/:conversation → ConversationDetail */
  async show(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    return getConversation(scope, conversation)
  }

  /** PUT /inbox/conversations/:conversation/status { status, snoozedUntil? } */
  async status(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const payload = await ctx.request.validateUsing(statusValidator)
    let snoozedUntil: DateTime | null = null
    if (payload.status === 'snoozed') {
      snoozedUntil = payload.snoozedUntil ? DateTime.fromISO(payload.snoozedUntil) : null
      if (!snoozedUntil?.isValid) throw new InvalidSnoozeException()
    }
    await changeConversationStatus({
      conversation,
      status: payload.status,
      snoozedUntil,
      actorId: scope.userId,
    })
    return getConversation(scope, conversation)
  }

  /** PUT /inbox/conversations/:conversation/priority { priority } */
  async priority(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const { priority } = await ctx.request.validateUsing(priorityValidator)
    await setConversationPriority({ conversation, priority, actorId: scope.userId })
    return getConversation(scope, conversation)
  }

  /** PUT /inbox/conversations/:conversation/tags { add?, remove? } (tag public ids) */
  async tags(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const payload = await ctx.request.validateUsing(conversationTagsValidator)
    await retagConversation({
      conversation,
      add: payload.add ?? [],
      remove: payload.remove ?? [],
      actorId: scope.userId,
    })
    return getConversation(scope, conversation)
  }

  /** POST /inbox/conversations/:conversation/read */
  async read(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.view')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    await markConversationsRead({
      workspaceId: scope.workspaceId,
      conversations: [conversation],
      actorId: scope.userId,
    })
    return { unreadCount: 0 }
  }

  /** POST /inbox/conversations/:conversation/typing → { sent } */
  async typing(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'inbox.reply')
    const scope = await inboxScope(ctx)
    const conversation = await visibleConversation(scope, ctx.params.conversation)
    const sent = await sendTyping({
      workspaceId: scope.workspaceId,
      conversation,
      userId: scope.userId,
    })
    return { sent }
  }
}
