import { readFile } from 'node:fs/promises'
import type { HttpContext } from '@adonisjs/core/http'
import Channel from '#channels/models/channel'
import MessageTemplate from '#templates/models/message_template'
import { TemplateException } from '#templates/exceptions'
import { templateListValidator, templateValidator } from '#templates/validators/template'
import { createTemplate, submitTemplate, updateTemplate } from '#templates/actions/save_template'
import {
  EDIT_LIMITS,
  approvedEditCounts,
  deleteOnMeta,
  managingChannel,
  syncFromMeta,
  uploadHeaderSample,
} from '#templates/services/meta_templates'
import { broadcastSync } from '#templates/services/realtime'
import { LIMITS } from '#templates/validation'
import type { TemplateCategory, TemplateComponent, TemplateStatus } from '#templates/types'

export type TemplateRow = {
  id: string
  name: string
  language: string
  category: TemplateCategory
  parameterFormat: 'positional' | 'named'
  components: TemplateComponent[]
  status: TemplateStatus
  rejectedReason: string | null
  rejectionDetail: string | null
  qualityScore: string | null
  pausedUntil: string | null
  pauseReason: string | null
  disableDate: string | null
  pendingCategory: string | null
  categoryChangeAt: string | null
  submittedAt: string | null
  lastSyncedAt: string | null
  updatedAt: string
  edits: { lastDay: number; lastThirtyDays: number; nextAllowedAt: string | null }
}

export type TemplateChannelOption = { id: string; name: string; wabaId: string }

const UPLOAD_MAX_BYTES: Record<string, number> = {
  'image/jpeg': 5 * 1024 * 1024,
  'image/png': 5 * 1024 * 1024,
  'video/mp4': 16 * 1024 * 1024,
  'application/pdf': 100 * 1024 * 1024,
}

export function templateRow(template: MessageTemplate): TemplateRow {
  return {
    id: template.publicId,
    name: template.name,
    language: template.language,
    category: template.category,
    parameterFormat: template.parameterFormat,
    components: template.components,
    status: template.status,
    rejectedReason: template.rejectedReason,
    rejectionDetail: template.rejectionDetail,
    qualityScore: template.qualityScore,
    pausedUntil: template.pausedUntil?.toISO() ?? null,
    pauseReason: template.pauseReason,
    disableDate: template.disableDate?.toISO() ?? null,
    pendingCategory: template.pendingCategory,
    categoryChangeAt: template.categoryChangeAt?.toISO() ?? null,
    submittedAt: template.submittedAt?.toISO() ?? null,
    lastSyncedAt: template.lastSyncedAt?.toISO() ?? null,
    updatedAt: template.updatedAt.toISO()!,
    edits: approvedEditCounts(template),
  }
}

function wantsJson(request: HttpContext['request']) {
  return !request.header('x-inertia') && request.accepts(['html', 'json']) === 'json'
}

async function channelOptions(): Promise<TemplateChannelOption[]> {
  const channels = await Channel.query()
    .where('driver', 'meta_cloud')
    .whereNotNull('waba_id')
    .orderBy('id', 'asc')
  return channels.map((channel) => ({
    id: channel.publicId,
    name: channel.name,
    wabaId: channel.wabaId!,
  }))
}

/**
 * Templates: the list (status, quality, pause/disable, rejection reason;
 * search and filters; "sync now"), the editor, save/submit/edit/delete
 * under Meta's limits, and header sample uploads. All need templates.manage.
 */
export default class TemplatesController {
  async index({ inertia, bouncer, request }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const filters = await request.validateUsing(templateListValidator, {
      data: request.qs(),
    })
    const query = MessageTemplate.query().orderBy('name', 'asc').orderBy('language', 'asc')
    if (filters.q) {
      const pattern = `%${filters.q.toLowerCase().replace(/[!%_]/g, '!$&')}%`
      query.whereRaw(`LOWER(name) LIKE ? ESCAPE '!'`, [pattern])
    }
    if (filters.status) query.where('status', filters.status.toUpperCase())
    if (filters.category) query.where('category', filters.category.toUpperCase())
    const templates = await query.limit(500)
    const rows = templates.map(templateRow)
    if (wantsJson(request)) return { templates: rows }
    return inertia.render('templates/index', {
      templates: rows,
      filters: {
        q: filters.q ?? '',
        status: filters.status ?? '',
        category: filters.category ?? '',
      },
      channels: await channelOptions(),
    })
  }

  async create({ inertia, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    return inertia.render('templates/edit', {
      template: null,
      channels: await channelOptions(),
      limits: { ...LIMITS, edits: EDIT_LIMITS },
    })
  }

  async edit({ inertia, bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const template = await MessageTemplate.findByOrFail('public_id', params.template)
    return inertia.render('templates/edit', {
      template: templateRow(template),
      channels: await channelOptions(),
      limits: { ...LIMITS, edits: EDIT_LIMITS },
    })
  }

  async show({ bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const template = await MessageTemplate.findByOrFail('public_id', params.template)
    return templateRow(template)
  }

  async store({ request, response, bouncer, auth }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const payload = await request.validateUsing(templateValidator)
    const template = await createTemplate(
      { ...payload, components: payload.components as TemplateComponent[] },
      auth.user!.id
    )
    return response.created(templateRow(template))
  }

  async update({ request, bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const template = await MessageTemplate.findByOrFail('public_id', params.template)
    const payload = await request.validateUsing(templateValidator)
    await updateTemplate(template, {
      ...payload,
      components: payload.components as TemplateComponent[],
    })
    return templateRow(template)
  }

  async submit({ bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const template = await MessageTemplate.findByOrFail('public_id', params.template)
    await submitTemplate(template)
    return templateRow(template)
  }

  async destroy({ bouncer, params, response }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const template = await MessageTemplate.findByOrFail('public_id', params.template)
    const channel =
      template.metaTemplateId && template.status !== 'DELETED'
        ? await managingChannel(template.channelId)
        : null
    await deleteOnMeta(template, channel)
    return response.noContent()
  }

  /** "Sync now": every template of every connected WABA, progress over realtime. */
  async sync({ bouncer, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const options = await channelOptions()
    if (!options.length) await managingChannel()
    const seenWabas = new Set<string>()
    const total = { created: 0, updated: 0, removed: 0, total: 0 }
    for (const option of options) {
      if (seenWabas.has(option.wabaId)) continue
      seenWabas.add(option.wabaId)
      const channel = await Channel.findByOrFail('public_id', option.id)
      const result = await syncFromMeta(channel, (seen) =>
        broadcastSync(workspace.id, { phase: 'progress', seen: total.total + seen })
      )
      total.created += result.created
      total.updated += result.updated
      total.removed += result.removed
      total.total += result.total
    }
    await broadcastSync(workspace.id, { phase: 'done', seen: total.total, ...total })
    return total
  }

  /** Multipart `file` → Meta's resumable upload → `{ handle }` for `example.header_handle`. */
  async upload({ request, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'templates.manage')
    const file = request.file('file')
    if (!file || !file.tmpPath) {
      throw new TemplateException('Choose a file to upload.', {
        code: 'E_TEMPLATE_UPLOAD_MISSING',
        status: 422,
      })
    }
    const mimeType = `${file.type ?? ''}/${file.subtype ?? ''}`
    const max = UPLOAD_MAX_BYTES[mimeType]
    if (!max) {
      throw new TemplateException(
        'Header samples are JPEG or PNG images, MP4 videos or PDF documents.',
        { code: 'E_TEMPLATE_UPLOAD_TYPE', status: 422 },
        { type: mimeType }
      )
    }
    if (file.size > max) {
      throw new TemplateException(
        'The file is too large for a header sample.',
        { code: 'E_TEMPLATE_UPLOAD_TOO_LARGE', status: 422 },
        { max }
      )
    }
    const channelId = request.input('channel')
    const channel = channelId
      ? await managingChannel((await Channel.findBy('public_id', channelId))?.id ?? -1)
      : await managingChannel()
    const bytes = new Uint8Array(await readFile(file.tmpPath))
    const handle = await uploadHeaderSample(channel, {
      bytes,
      mimeType,
      filename: file.clientName || 'sample',
    })
    return { handle, mimeType, size: bytes.byteLength }
  }
}
