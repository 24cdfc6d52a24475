import type { HttpContext } from '@adonisjs/core/http'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import { workspaceFields } from '#contacts/services/custom_fields'
import { countSegment, sampleSegment, type SegmentMember } from '#contacts/segments/compile'
import {
  SegmentInUseError,
  SegmentNameTakenError,
  deleteSegment,
  refreshSegmentCount,
  saveSegment,
} from '#contacts/segments/manage_segments'
import {
  CONSENT_SCOPES,
  CONSENT_STATES,
  CONVERSATION_STATUSES,
  OPERATORS,
} from '#contacts/segments/operators'
import { ENGAGEMENT_METRICS, STANDARD_FIELDS, type SegmentGroup } from '#contacts/segments/types'
import { segmentCountValidator, segmentValidator } from '#contacts/validators/segment'

export type SegmentRow = {
  id: string
  name: string
  description: string | null
  lastCount: number | null
  lastCountedAt: string | null
  updatedAt: string
}

/** What the builder needs to offer every kind of condition. */
export type SegmentBuilderCatalog = {
  standardFields: { key: string; type: string }[]
  engagementMetrics: { key: string; type: string }[]
  customFields: { key: string; label: string; type: string; options: string[] }[]
  tags: { id: string; name: string; color: string }[]
  segments: { id: string; name: string }[]
  operators: Record<string, readonly string[]>
  conversationStatuses: readonly string[]
  consentScopes: readonly string[]
  consentStates: readonly string[]
}

export type SegmentEditProps = {
  segment: (SegmentRow & { definition: SegmentGroup }) | null
  catalog: SegmentBuilderCatalog
  canManage: boolean
}

const SAMPLE_SIZE = 10

function rowOf(segment: Segment): SegmentRow {
  return {
    id: segment.publicId,
    name: segment.name,
    description: segment.description,
    lastCount: segment.lastCount,
    lastCountedAt: segment.lastCountedAt?.toISO() ?? null,
    updatedAt: segment.updatedAt.toISO()!,
  }
}

/**
 * Contacts → Segments: the list, the builder (live count with a sample),
 * save/rename/delete, and a saved segment's members.
 */
export default class SegmentsController {
  async index({ inertia, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const segments = await Segment.query().orderBy('name', 'asc')
    return inertia.render('contacts/segments/index', {
      segments: segments.map(rowOf),
      canManage: await bouncer.allows('permit', 'contacts.manage'),
    })
  }

  async create({ inertia, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const props: SegmentEditProps = {
      segment: null,
      catalog: await this.catalog(null),
      canManage: await bouncer.allows('permit', 'contacts.manage'),
    }
    return inertia.render('contacts/segments/edit', props)
  }

  async show({ inertia, bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const segment = await Segment.findByOrFail('public_id', params.segment)
    const props: SegmentEditProps = {
      segment: { ...rowOf(segment), definition: segment.definition },
      catalog: await this.catalog(segment),
      canManage: await bouncer.allows('permit', 'contacts.manage'),
    }
    return inertia.render('contacts/segments/edit', props)
  }

  async store({ request, response, bouncer, auth, session, i18n, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const payload = await request.validateUsing(segmentValidator)
    try {
      const segment = await saveSegment(null, payload, auth.user!.id)
      if (this.wantsJson(request)) return response.created(rowOf(segment))
      session.flash('success', i18n.t('segments.saved'))
      return response.redirect(`/w/${workspace.slug}/contacts/segments/${segment.publicId}`)
    } catch (error) {
      return this.nameTaken(error, response, i18n)
    }
  }

  async update({ request, response, bouncer, auth, params, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const segment = await Segment.findByOrFail('public_id', params.segment)
    const payload = await request.validateUsing(segmentValidator)
    try {
      await saveSegment(segment, payload, auth.user!.id)
      if (this.wantsJson(request)) return rowOf(segment)
      session.flash('success', i18n.t('segments.saved'))
      return response.redirect().back()
    } catch (error) {
      return this.nameTaken(error, response, i18n)
    }
  }

  async destroy({
    request,
    response,
    bouncer,
    auth,
    params,
    session,
    i18n,
    workspace,
  }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const segment = await Segment.findByOrFail('public_id', params.segment)
    try {
      await deleteSegment(segment, auth.user!.id)
    } catch (error) {
      if (!(error instanceof SegmentInUseError)) throw error
      const message = i18n.t('segments.in_use', { names: error.usedBy.join(', ') })
      if (this.wantsJson(request)) {
        return response.status(409).send({ errors: [{ code: 'E_SEGMENT_IN_USE', message }] })
      }
      session.flash('error', message)
      return response.redirect().back()
    }
    if (this.wantsJson(request)) return response.noContent()
    session.flash('success', i18n.t('segments.deleted'))
    return response.redirect(`/w/${workspace.slug}/contacts/segments`)
  }

  /** The builder's live count: `{ count, sample }` for an unsaved definition. */
  async count({ request, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const { definition, segment } = await request.validateUsing(segmentCountValidator)
    const options = { self: segment ?? undefined }
    const count = await countSegment(definition, options)
    const sample: SegmentMember[] = count
      ? await sampleSegment(definition, SAMPLE_SIZE, options)
      : []
    return { count, sample }
  }

  /** A saved segment's size (stored as its last count) and a sample of members. */
  async members({ bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const segment = await Segment.findByOrFail('public_id', params.segment)
    const count = await refreshSegmentCount(segment)
    const sample = count
      ? await sampleSegment(segment.definition, SAMPLE_SIZE, { self: segment.publicId })
      : []
    return { count, sample, lastCountedAt: segment.lastCountedAt?.toISO() ?? null }
  }

  private async catalog(current: Segment | null): Promise<SegmentBuilderCatalog> {
    const [fields, tags, segments] = await Promise.all([
      workspaceFields(),
      Tag.query().orderBy('name', 'asc'),
      Segment.query().orderBy('name', 'asc'),
    ])
    return {
      standardFields: Object.entries(STANDARD_FIELDS).map(([key, type]) => ({ key, type })),
      engagementMetrics: Object.entries(ENGAGEMENT_METRICS).map(([key, type]) => ({ key, type })),
      customFields: fields.map((field) => ({
        key: field.key,
        label: field.label,
        type: field.type,
        options: field.options ?? [],
      })),
      tags: tags.map((tag) => ({ id: tag.publicId, name: tag.name, color: tag.color })),
      segments: segments
        .filter((segment) => segment.id !== current?.id)
        .map((segment) => ({ id: segment.publicId, name: segment.name })),
      operators: OPERATORS,
      conversationStatuses: CONVERSATION_STATUSES,
      consentScopes: CONSENT_SCOPES,
      consentStates: CONSENT_STATES,
    }
  }

  private wantsJson(request: HttpContext['request']) {
    return !request.header('x-inertia') && request.accepts(['html', 'json']) === 'json'
  }

  private nameTaken(error: unknown, response: HttpContext['response'], i18n: HttpContext['i18n']) {
    if (!(error instanceof SegmentNameTakenError)) throw error
    return response.status(422).send({
      errors: [{ field: 'name', rule: 'unique', message: i18n.t('segments.name_taken') }],
    })
  }
}
