import type { HttpContext } from '@adonisjs/core/http'
import Tag from '#contacts/models/tag'
import { tagStatsValidator, tagValidator } from '#inbox/validators/tags'
import { createTag, deleteTag, updateTag } from '#inbox/actions/manage_tags'
import { tagStatistics, type TagStatistics } from '#inbox/queries/tag_statistics'
import { TAG_COLORS } from '#inbox/predefined_tags'

export type TagRow = {
  id: string
  name: string
  color: string
  isPredefined: boolean
  conversations: number
}

export type TagsSettingsProps = {
  tags: TagRow[]
  colors: readonly string[]
  stats: TagStatistics
}

/**
 * Settings → Tags (settings.workspace) and the tag list for pickers
 * (inbox.view).
 */
export default class TagsController {
  async index({ inertia, bouncer, request, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const range = await tagStatsValidator.validate(request.qs())
    const stats = await tagStatistics(range, workspace.timezone)
    const tags = await Tag.query().orderBy('name')
    const inUse = await Tag.query()
      .join('conversation_tags', (join) => {
        join
          .on('conversation_tags.workspace_id', 'tags.workspace_id')
          .andOn('conversation_tags.tag_id', 'tags.id')
      })
      .groupBy('tags.id')
      .select('tags.id')
      .count('* as total')
    const countOf = new Map(inUse.map((row) => [row.id, Number(row.$extras.total)]))
    const props: TagsSettingsProps = {
      tags: tags.map((tag) => ({
        id: tag.publicId,
        name: tag.name,
        color: tag.color,
        isPredefined: Boolean(tag.isPredefined),
        conversations: countOf.get(tag.id) ?? 0,
      })),
      colors: TAG_COLORS,
      stats,
    }
    return inertia.render('settings/tags', props)
  }

  async store({ request, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const payload = await request.validateUsing(tagValidator)
    const tag = await createTag(payload)
    if (request.accepts(['html', 'json']) === 'json') {
      return response.created({ id: tag.publicId, name: tag.name, color: tag.color })
    }
    session.flash('success', i18n.t('tags.created'))
    return response.redirect().back()
  }

  async update({ params, request, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const tag = await Tag.findByOrFail('public_id', params.tag)
    const payload = await request.validateUsing(tagValidator)
    await updateTag(tag, payload)
    if (request.accepts(['html', 'json']) === 'json') {
      return { id: tag.publicId, name: tag.name, color: tag.color }
    }
    session.flash('success', i18n.t('tags.updated'))
    return response.redirect().back()
  }

  async destroy({ params, request, bouncer, response, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const tag = await Tag.findByOrFail('public_id', params.tag)
    await deleteTag(tag)
    if (request.accepts(['html', 'json']) === 'json') return response.noContent()
    session.flash('success', i18n.t('tags.deleted'))
    return response.redirect().back()
  }

  /** GET /w/:workspace/inbox/tags: every tag, for pickers. */
  async picker({ bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'inbox.view')
    const tags = await Tag.query().orderBy('name')
    return tags.map((tag) => ({ id: tag.publicId, name: tag.name, color: tag.color }))
  }
}
