import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'
import Channel from '#channels/models/channel'
import MessageTemplate from '#templates/models/message_template'
import { tenancy } from '#core/tenancy/context'

/**
 * The one rule every sender goes through (inbox composer, API, flows,
 * campaigns): only an APPROVED template may be sent (reference §3.5; Meta
 * answers 132001 / 132015 / 132016 otherwise, and every refused send
 * counts against the number's quality).
 *
 * Lookups are cached per process for at most CACHE_MS (the campaign
 * dispatcher asks for every batch); a caller about to call the provider
 * passes `{ fresh: true }` to read the current status (a template can be
 * paused by Meta while a message waits in the queue).
 */

export const CACHE_MS = 5000

export type NotApprovedReason =
  'draft' | 'pending' | 'rejected' | 'paused' | 'disabled' | 'unknown' | 'unavailable'

export type TemplateRef =
  | { channelId: number; name: string; language: string }
  | { wabaId: string; name: string; language: string }

/**
 * A template that is not APPROVED (or not known for this WABA and
 * language). 422 with a message naming the status; JSON callers get
 * `{ errors: [{ code, reason, status, message }] }`, Inertia callers a flash.
 */
export class TemplateNotApprovedException extends Exception {
  static status = 422
  static code = 'E_TEMPLATE_NOT_APPROVED'

  constructor(
    public reason: NotApprovedReason,
    public params: {
      name: string
      language: string
      status: string | null
      until: string | null
      detail: string | null
    }
  ) {
    super(englishMessage(reason, params), { code: 'E_TEMPLATE_NOT_APPROVED', status: 422 })
  }

  /** The message in the request's language (resources/lang/<locale>/picker.json). */
  translated(ctx: HttpContext) {
    if (!ctx.i18n) return this.message
    const key = `picker.errors.${this.reason}${this.reason === 'paused' && !this.params.until ? '_no_date' : ''}`
    return ctx.i18n.t(
      key,
      {
        name: this.params.name,
        language: this.params.language,
        status: this.params.status ?? '',
        until: this.params.until ?? '',
        detail: this.params.detail ?? '',
      },
      this.message
    )
  }

  async handle(error: this, ctx: HttpContext) {
    const message = error.translated(ctx)
    const wantsJson =
      !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'
    if (wantsJson) {
      return ctx.response.status(422).send({
        errors: [
          {
            code: 'E_TEMPLATE_NOT_APPROVED',
            reason: error.reason,
            status: error.params.status,
            message,
          },
        ],
      })
    }
    ctx.session?.flash('error', message)
    return ctx.response.redirect().back()
  }
}

function englishMessage(
  reason: NotApprovedReason,
  params: TemplateNotApprovedException['params']
): string {
  const what = `The template "${params.name}" (${params.language})`
  switch (reason) {
    case 'draft':
      return `${what} has not been submitted to Meta yet. Only approved templates can be sent.`
    case 'pending':
      return `${what} is still in review at Meta (pending). Only approved templates can be sent.`
    case 'rejected':
      return `${what} was rejected by Meta${params.detail ? ` (${params.detail})` : ''}. Only approved templates can be sent.`
    case 'paused':
      return params.until
        ? `${what} is paused by Meta for low quality until ${params.until}. Only approved templates can be sent.`
        : `${what} is paused by Meta for low quality. Only approved templates can be sent.`
    case 'disabled':
      return `${what} was disabled by Meta for low quality. Only approved templates can be sent.`
    case 'unknown':
      return `${what} does not exist for this WhatsApp account and language. Only approved templates can be sent.`
    case 'unavailable':
      return `${what} cannot be sent: its status at Meta is ${params.status}. Only approved templates can be sent.`
  }
}

function formatUntil(template: MessageTemplate): string | null {
  if (!template.pausedUntil?.isValid) return null
  return `${template.pausedUntil.toUTC().toFormat('yyyy-MM-dd HH:mm')} UTC`
}

/** Throws unless `template` is APPROVED; returns it otherwise. */
export function assertApproved(template: MessageTemplate): MessageTemplate {
  if (template.status === 'APPROVED') return template
  const params = {
    name: template.name,
    language: template.language,
    status: template.status,
    until: null as string | null,
    detail: null as string | null,
  }
  switch (template.status) {
    case 'DRAFT':
      throw new TemplateNotApprovedException('draft', params)
    case 'PENDING':
      throw new TemplateNotApprovedException('pending', params)
    case 'REJECTED':
      params.detail = template.rejectionDetail ?? template.rejectedReason ?? null
      if (params.detail === 'NONE') params.detail = null
      throw new TemplateNotApprovedException('rejected', params)
    case 'PAUSED':
      params.until = formatUntil(template)
      throw new TemplateNotApprovedException('paused', params)
    case 'DISABLED':
      throw new TemplateNotApprovedException('disabled', params)
    default:
      throw new TemplateNotApprovedException('unavailable', params)
  }
}

type Cached<T> = { at: number; value: T }
const templateCache = new Map<string, Cached<MessageTemplate | null>>()
const wabaCache = new Map<string, Cached<string | null>>()

function readCache<T>(cache: Map<string, Cached<T>>, key: string, maxAge: number) {
  const hit = cache.get(key)
  if (hit && Date.now() - hit.at < maxAge) return hit
  return null
}

function writeCache<T>(cache: Map<string, Cached<T>>, key: string, value: T) {
  if (cache.size > 5000) cache.clear()
  cache.set(key, { at: Date.now(), value })
}

/** Forgets cached lookups (after a status change in this process; tests). */
export function forgetTemplateStatus() {
  templateCache.clear()
  wabaCache.clear()
}

async function wabaOfChannel(channelId: number, maxAge: number): Promise<string | null> {
  const key = `${tenancy.workspaceId()}:${channelId}`
  const hit = readCache(wabaCache, key, maxAge)
  if (hit) return hit.value
  const channel = await Channel.find(channelId)
  const waba = channel?.wabaId ?? null
  writeCache(wabaCache, key, waba)
  return waba
}

/**
 * The APPROVED template for a send, by the sending channel (its WABA) or
 * the WABA, name and language; throws TemplateNotApprovedException
 * otherwise. Runs in the tenant context.
 */
export async function assertTemplateSendable(
  ref: TemplateRef,
  options: { fresh?: boolean } = {}
): Promise<MessageTemplate> {
  const maxAge = options.fresh ? 0 : CACHE_MS
  const wabaId = 'wabaId' in ref ? ref.wabaId : await wabaOfChannel(ref.channelId, maxAge)
  const notFound = () =>
    new TemplateNotApprovedException('unknown', {
      name: ref.name,
      language: ref.language,
      status: null,
      until: null,
      detail: null,
    })
  if (!wabaId) throw notFound()
  const key = `${tenancy.workspaceId()}:${wabaId}:${ref.name}:${ref.language}`
  const hit = readCache(templateCache, key, maxAge)
  let template = hit ? hit.value : null
  if (!hit) {
    template = await MessageTemplate.query()
      .where('waba_id', wabaId)
      .where('name', ref.name)
      .where('language', ref.language)
      .first()
    writeCache(templateCache, key, template)
  }
  if (!template) throw notFound()
  return assertApproved(template)
}

/** The template with this internal id if it is APPROVED; throws otherwise. */
export async function approvedTemplateById(
  id: number,
  options: { fresh?: boolean } = {}
): Promise<MessageTemplate> {
  const key = `${tenancy.workspaceId()}:#${id}`
  const hit = readCache(templateCache, key, options.fresh ? 0 : CACHE_MS)
  let template = hit ? hit.value : null
  if (!hit) {
    template = await MessageTemplate.find(id)
    writeCache(templateCache, key, template)
  }
  if (!template) {
    throw new TemplateNotApprovedException('unknown', {
      name: `#${id}`,
      language: '',
      status: null,
      until: null,
      detail: null,
    })
  }
  return assertApproved(template)
}
