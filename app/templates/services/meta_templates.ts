import { DateTime } from 'luxon'
import env from '#start/env'
import Channel from '#channels/models/channel'
import { GraphClient, GraphError, parseGraphError } from '#channels/meta/graph_client'
import MessageTemplate from '#templates/models/message_template'
import { TemplateException } from '#templates/exceptions'
import { componentsFromMeta, normalizeOtpComponents } from '#templates/otp'
import type { TemplateCategory, TemplateComponent, TemplateStatus } from '#templates/types'

/**
 * Template management on Meta's Graph API (reference §3.1): submit, edit
 * (with Meta's edit limits enforced before calling), delete, "sync now"
 * and the resumable upload of header media samples. Credentials are the
 * channel's, decrypted by its model as the send job reads them; tokens
 * are never logged or put in an error.
 */

const DAY_MS = 24 * 60 * 60 * 1000
export const EDIT_LIMITS = { perDay: 1, perThirtyDays: 10 } as const
export const EDITABLE_STATUSES: TemplateStatus[] = ['APPROVED', 'REJECTED', 'PAUSED']
const SYNC_FIELDS =
  'id,name,status,category,language,components,quality_score,rejected_reason,parameter_format'
const SYNC_PAGE = 100

/** Meta's template creation subcodes (reference §5) → stable Parley codes. */
const CREATION_CODES: Record<number, string> = {
  2388019: 'E_TEMPLATE_COUNT_LIMIT',
  2388024: 'E_TEMPLATE_EXISTS',
  2388040: 'E_TEMPLATE_TOO_LONG',
  2388047: 'E_TEMPLATE_BAD_HEADER',
  2388072: 'E_TEMPLATE_BAD_BODY',
  2388073: 'E_TEMPLATE_BAD_FOOTER',
  2388293: 'E_TEMPLATE_TOO_MANY_VARIABLES',
  2388299: 'E_TEMPLATE_EDGE_VARIABLE',
}

const CREATION_MESSAGES: Record<string, string> = {
  E_TEMPLATE_COUNT_LIMIT: 'This WhatsApp Business Account has reached its template limit.',
  E_TEMPLATE_EXISTS: 'A template with this name already exists in this language.',
  E_TEMPLATE_TOO_LONG: 'A component has too many characters.',
  E_TEMPLATE_BAD_HEADER: 'Meta refused the header format.',
  E_TEMPLATE_BAD_BODY: 'Meta refused the body format.',
  E_TEMPLATE_BAD_FOOTER: 'Meta refused the footer format.',
  E_TEMPLATE_TOO_MANY_VARIABLES: 'Too many variables for the length of the text.',
  E_TEMPLATE_EDGE_VARIABLE: 'The text may not start or end with a variable.',
}

/** Any Graph failure as a TemplateException with a clear message. */
export function templateGraphError(error: unknown): TemplateException | unknown {
  if (!(error instanceof GraphError)) return error
  const detail = error.details ?? error.title
  if (error.code === 4 || error.code === 80007) {
    return new TemplateException(
      'Meta is rate-limiting template requests for this account. Try again in a few minutes.',
      { code: 'E_TEMPLATE_RATE_LIMITED', status: 429 },
      { metaCode: error.code }
    )
  }
  const creation =
    (error.subcode !== null && CREATION_CODES[error.subcode]) ||
    (error.code !== null && CREATION_CODES[error.code]) ||
    null
  if (creation) {
    return new TemplateException(
      `${CREATION_MESSAGES[creation]} (${detail})`,
      { code: creation, status: 422 },
      { metaCode: error.subcode ?? error.code, detail }
    )
  }
  if (error.code === 190) {
    return new TemplateException(
      'The channel’s access token is no longer valid; reconnect the channel.',
      { code: 'E_TEMPLATE_TOKEN_INVALID', status: 422 },
      { metaCode: 190 }
    )
  }
  return new TemplateException(
    `Meta refused the request: ${detail}${error.code !== null ? ` (#${error.code})` : ''}`,
    { code: 'E_TEMPLATE_META_ERROR', status: error.transient ? 503 : 422 },
    { metaCode: error.code ?? 0, detail }
  )
}

async function graphCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    throw templateGraphError(error)
  }
}

/** A connected Meta channel with a WABA and a token (the given one, else the first). */
export async function managingChannel(channelId?: number | null): Promise<Channel> {
  const query = Channel.query().where('driver', 'meta_cloud').whereNotNull('waba_id')
  if (channelId) query.where('id', channelId)
  const channel = await query.orderBy('id', 'asc').first()
  if (!channel || !channel.wabaId || !channel.accessToken) {
    throw new TemplateException(
      'Connect a WhatsApp Cloud API number first: templates belong to its WhatsApp Business Account.',
      { code: 'E_TEMPLATE_NO_CHANNEL', status: 422 }
    )
  }
  return channel
}

function client() {
  return new GraphClient()
}

type MetaTemplate = {
  id: string
  name: string
  language: string
  status: string
  category: string
  components?: TemplateComponent[]
  quality_score?: { score?: string } | string
  rejected_reason?: string
  parameter_format?: string
}

/* ------------------------------------------------------------- submit */

/** `POST /{waba}/message_templates`; the template becomes PENDING (or what Meta says). */
export async function submitToMeta(template: MessageTemplate, channel: Channel) {
  const response = await graphCall(() =>
    client().request<{ id: string; status?: string; category?: string }>(
      'POST',
      `${encodeURIComponent(channel.wabaId!)}/message_templates`,
      {
        token: channel.accessToken,
        json: {
          name: template.name,
          language: template.language,
          category: template.category,
          parameter_format: template.parameterFormat,
          // OTP buttons in Meta's shape: `supported_apps`, zero-tap terms (#templates/otp).
          components: normalizeOtpComponents(template.components),
        },
      }
    )
  )
  const now = DateTime.utc()
  template.metaTemplateId = String(response.id)
  template.status = (response.status as TemplateStatus | undefined) ?? 'PENDING'
  if (response.category) template.category = response.category as TemplateCategory
  template.channelId = channel.id
  template.wabaId = channel.wabaId!
  template.submittedAt = now
  template.statusChangedAt = now
  template.rejectedReason = null
  template.rejectionDetail = null
  await template.save()
  return template
}

/* --------------------------------------------------------------- edit */

/** Edits made while APPROVED inside the last 24 h and 30 days. */
export function approvedEditCounts(template: MessageTemplate, now = DateTime.utc()) {
  const times = (template.approvedEdits ?? [])
    .map((iso) => DateTime.fromISO(iso, { zone: 'utc' }))
    .filter((time) => time.isValid)
  const age = (time: DateTime) => now.toMillis() - time.toMillis()
  return {
    lastDay: times.filter((time) => age(time) < DAY_MS).length,
    lastThirtyDays: times.filter((time) => age(time) < 30 * DAY_MS).length,
    /** When the next approved edit is allowed (null = now). */
    nextAllowedAt: (() => {
      const recent = times.filter((time) => age(time) < DAY_MS)
      if (recent.length < EDIT_LIMITS.perDay) {
        const month = times
          .filter((time) => age(time) < 30 * DAY_MS)
          .sort((a, b) => a.toMillis() - b.toMillis())
        if (month.length < EDIT_LIMITS.perThirtyDays) return null
        return month[month.length - EDIT_LIMITS.perThirtyDays].plus({ days: 30 }).toISO()
      }
      const oldest = recent.sort((a, b) => a.toMillis() - b.toMillis())[0]
      return oldest.plus({ days: 1 }).toISO()
    })(),
  }
}

/**
 * Meta's edit rules (reference §3.1), checked before calling Graph:
 * only APPROVED, REJECTED or PAUSED templates; an approved one at most
 * once per 24 h and 10 times per 30 days, and never to another category.
 */
export function assertEditable(template: MessageTemplate, category: string | undefined) {
  if (!EDITABLE_STATUSES.includes(template.status)) {
    throw new TemplateException(
      `Only approved, rejected or paused templates can be edited on Meta (this one is ${template.status}).`,
      { code: 'E_TEMPLATE_NOT_EDITABLE', status: 422 },
      { status: template.status }
    )
  }
  if (template.status !== 'APPROVED') return
  if (category && category !== template.category) {
    throw new TemplateException(
      'The category of an approved template cannot be changed. Create a new template instead.',
      { code: 'E_TEMPLATE_CATEGORY_LOCKED', status: 422 },
      { category: template.category }
    )
  }
  const counts = approvedEditCounts(template)
  if (counts.lastDay >= EDIT_LIMITS.perDay) {
    throw new TemplateException(
      'An approved template can be edited once every 24 hours.',
      { code: 'E_TEMPLATE_EDIT_LIMIT_DAY', status: 429 },
      { nextAllowedAt: counts.nextAllowedAt ?? '' }
    )
  }
  if (counts.lastThirtyDays >= EDIT_LIMITS.perThirtyDays) {
    throw new TemplateException(
      'An approved template can be edited at most 10 times in 30 days.',
      { code: 'E_TEMPLATE_EDIT_LIMIT_MONTH', status: 429 },
      { nextAllowedAt: counts.nextAllowedAt ?? '' }
    )
  }
}

/** `POST /{template-id}` with the whole components array (Meta replaces it). */
export async function editOnMeta(
  template: MessageTemplate,
  channel: Channel,
  changes: { components: TemplateComponent[]; category?: TemplateCategory }
) {
  assertEditable(template, changes.category)
  const wasApproved = template.status === 'APPROVED'
  await graphCall(() =>
    client().request<{ success: boolean }>('POST', encodeURIComponent(template.metaTemplateId!), {
      token: channel.accessToken,
      json: {
        components: normalizeOtpComponents(changes.components),
        ...(changes.category && changes.category !== template.category
          ? { category: changes.category }
          : {}),
      },
    })
  )
  const now = DateTime.utc()
  if (wasApproved) {
    // Keep 30 days of history: that is all the limits look at.
    template.approvedEdits = [
      ...(template.approvedEdits ?? []).filter(
        (iso) => now.toMillis() - DateTime.fromISO(iso).toMillis() < 30 * DAY_MS
      ),
      now.toISO()!,
    ]
  }
  template.components = changes.components
  if (changes.category) template.category = changes.category
  // An edited template goes back to review.
  template.status = 'PENDING'
  template.statusChangedAt = now
  template.rejectedReason = null
  template.rejectionDetail = null
  await template.save()
  return template
}

/* ------------------------------------------------------------- delete */

/**
 * `DELETE /{waba}/message_templates?name=&hsm_id=` (this language only).
 * Disabled templates cannot be deleted; once an approved template is
 * deleted Meta blocks its name for 30 days (the UI says so before).
 */
export async function deleteOnMeta(template: MessageTemplate, channel: Channel | null) {
  if (template.status === 'DISABLED') {
    throw new TemplateException('Meta does not allow deleting a disabled template.', {
      code: 'E_TEMPLATE_DISABLED_DELETE',
      status: 422,
    })
  }
  if (template.metaTemplateId && template.status !== 'DELETED' && channel) {
    await graphCall(() =>
      client().request<{ success: boolean }>(
        'DELETE',
        `${encodeURIComponent(channel.wabaId!)}/message_templates`,
        {
          token: channel.accessToken,
          query: { name: template.name, hsm_id: template.metaTemplateId },
        }
      )
    )
  }
  await template.delete()
}

/* --------------------------------------------------------------- sync */

export type SyncResult = { created: number; updated: number; removed: number; total: number }

function qualityOf(value: MetaTemplate['quality_score']): string | null {
  if (!value) return null
  if (typeof value === 'string') return value
  return value.score ?? null
}

/**
 * Pulls every template of the channel's WABA (cursor paging, restarting
 * without the cursor once when Meta answers 131059) and upserts them by
 * (WABA, name, language): templates made in Meta's UI appear, statuses and
 * quality are refreshed, and local submitted templates Meta no longer has
 * are marked DELETED.
 */
export async function syncFromMeta(
  channel: Channel,
  onPage?: (seen: number) => void | Promise<void>
): Promise<SyncResult> {
  const graph = client()
  const remote: MetaTemplate[] = []
  let after: string | undefined
  let restarted = false
  for (let page = 0; page < 1000; page++) {
    let response: { data: MetaTemplate[]; paging?: { cursors?: { after?: string }; next?: string } }
    try {
      response = await graph.request(
        'GET',
        `${encodeURIComponent(channel.wabaId!)}/message_templates`,
        {
          token: channel.accessToken,
          query: { fields: SYNC_FIELDS, limit: SYNC_PAGE, after },
        }
      )
    } catch (error) {
      if (error instanceof GraphError && error.code === 131059 && after && !restarted) {
        restarted = true
        remote.length = 0
        after = undefined
        continue
      }
      throw templateGraphError(error)
    }
    remote.push(...(response.data ?? []))
    await onPage?.(remote.length)
    after = response.paging?.cursors?.after
    if (!response.paging?.next || !after) break
  }

  const result: SyncResult = { created: 0, updated: 0, removed: 0, total: remote.length }
  const now = DateTime.utc()
  const local = await MessageTemplate.query().where('waba_id', channel.wabaId!)
  const byKey = new Map(
    local.map((template) => [`${template.name}\u0000${template.language}`, template])
  )
  const seen = new Set<number>()
  for (const item of remote) {
    const key = `${item.name}\u0000${item.language}`
    let template = byKey.get(key)
    const status = String(item.status ?? 'PENDING').toUpperCase() as TemplateStatus
    if (!template) {
      template = new MessageTemplate()
      template.wabaId = channel.wabaId!
      template.name = item.name
      template.language = item.language
      template.approvedEdits = []
      result.created++
    } else {
      result.updated++
    }
    if (template.status !== status) template.statusChangedAt = now
    template.channelId = channel.id
    template.metaTemplateId = String(item.id)
    template.category = String(item.category ?? 'UTILITY').toUpperCase() as TemplateCategory
    template.parameterFormat =
      String(item.parameter_format ?? '').toLowerCase() === 'named' ? 'named' : 'positional'
    // Read back in the shape Parley submits (OTP buttons with their apps, #templates/otp).
    if (Array.isArray(item.components)) {
      template.components = componentsFromMeta(template.category, item.components)
    }
    template.status = status
    template.qualityScore = qualityOf(item.quality_score) ?? template.qualityScore ?? null
    template.rejectedReason =
      status === 'REJECTED' ? (item.rejected_reason ?? template.rejectedReason ?? null) : null
    template.lastSyncedAt = now
    await template.save()
    seen.add(template.id)
  }
  for (const template of local) {
    if (seen.has(template.id) || !template.metaTemplateId || template.status === 'DELETED') continue
    template.status = 'DELETED'
    template.statusChangedAt = now
    template.lastSyncedAt = now
    await template.save()
    result.removed++
  }
  return result
}

/* ------------------------------------------------------ resumable upload */

/**
 * The app id the Resumable Upload API runs under: the channel's own Meta
 * app (`settings.appId`, set when a tenant brings their own app) or the
 * platform's META_APP_ID (embedded signup's app).
 */
export function uploadAppId(channel: Channel): string {
  const own = channel.settings?.appId ?? channel.settings?.app_id
  const appId = (typeof own === 'string' && own) || env.get('META_APP_ID')
  if (!appId) {
    throw new TemplateException(
      'Header samples need a Meta app id: set META_APP_ID (or the channel’s own app id).',
      { code: 'E_TEMPLATE_UPLOAD_NOT_CONFIGURED', status: 422 }
    )
  }
  return appId
}

/**
 * Resumable upload (reference §3.3): `POST /{app-id}/uploads` opens a
 * session ("upload:…"), then `POST /{session}` with `file_offset: 0`, the
 * bytes and `Authorization: OAuth <token>` returns the handle `{h}` that a
 * media header's `example.header_handle` needs.
 */
export async function uploadHeaderSample(
  channel: Channel,
  file: { bytes: Uint8Array; mimeType: string; filename: string }
): Promise<string> {
  const graph = client()
  const session = await graphCall(() =>
    graph.request<{ id: string }>('POST', `${encodeURIComponent(uploadAppId(channel))}/uploads`, {
      token: channel.accessToken,
      query: {
        file_name: file.filename,
        file_length: file.bytes.byteLength,
        file_type: file.mimeType,
      },
    })
  )
  let response: Response
  let body: unknown
  try {
    response = await fetch(graph.url(session.id), {
      method: 'POST',
      headers: {
        'Authorization': `OAuth ${channel.accessToken}`,
        'file_offset': '0',
        'Content-Type': 'application/octet-stream',
      },
      body: file.bytes,
      signal: AbortSignal.timeout(graph.downloadTimeoutMs),
    })
    const text = await response.text()
    body = text ? JSON.parse(text) : null
  } catch (error) {
    throw new TemplateException(
      'Could not upload the sample to Meta (network error).',
      { code: 'E_TEMPLATE_UPLOAD_FAILED', status: 503 },
      { reason: error instanceof Error ? error.name : 'error' }
    )
  }
  if (!response.ok) throw templateGraphError(parseGraphError(response.status, body))
  const handle = (body as { h?: unknown } | null)?.h
  if (typeof handle !== 'string' || !handle) {
    throw new TemplateException('Meta returned no upload handle.', {
      code: 'E_TEMPLATE_UPLOAD_FAILED',
      status: 502,
    })
  }
  return handle
}
