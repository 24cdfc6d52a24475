import type { HttpContext } from '@adonisjs/core/http'
import Contact from '#contacts/models/contact'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import Conversation from '#inbox/models/conversation'
import { fieldValuesOf, workspaceFields, type FieldValue } from '#contacts/services/custom_fields'
import { recordConsent, statusOf } from '#contacts/services/consent'
import {
  bulkContactsValidator,
  contactConsentValidator,
  contactFieldError,
  contactTagValidator,
  createContactValidator,
  mergeContactValidator,
  updateContactValidator,
} from '#contacts/validators/contact'
import { createContact, updateContact } from '#contacts/actions/save_contact'
import { findTag, tagContacts, untagContacts } from '#contacts/actions/tag_contacts'
import { bulkUpdateContacts } from '#contacts/actions/bulk_update_contacts'
import {
  bulkActionView,
  recentBulkActions,
  startBulkAction,
  type BulkActionView,
} from '#contacts/services/bulk_actions'
import ContactBulkAction from '#contacts/models/contact_bulk_action'
import { mergeContacts } from '#contacts/actions/merge_contacts'
import {
  CONSENT_FILTERS,
  CONTACT_SORTS,
  countMatching,
  filterDefinition,
  hasFilters,
  listContacts,
  parseListFilters,
  tagsOf,
  type ContactListRow,
  type ContactListFilters,
} from '#contacts/queries/list_contacts'
import { getContactTimeline, type TimelinePage } from '#contacts/queries/get_contact_timeline'
import { findDuplicates, type DuplicateCandidate } from '#contacts/queries/find_duplicates'
import { customFieldRow, type CustomFieldRow } from '#contacts/controllers/custom_fields_controller'
import type { SegmentGroup } from '#contacts/segments/types'
import type { ConsentStatus } from '#contacts/services/consent'
import { audit } from '#core/services/audit'
import { tenancy } from '#core/tenancy/context'

export type ContactsIndexProps = {
  contacts: ContactListRow[]
  nextCursor: string | null
  filters: Omit<ContactListFilters, 'cursor' | 'limit'>
  filterDefinition: SegmentGroup
  total: { count: number; capped: boolean }
  filtered: boolean
  fields: CustomFieldRow[]
  tags: { id: string; name: string; color: string }[]
  segments: { id: string; name: string }[]
  sorts: string[]
  consentFilters: readonly string[]
  /** Bulk actions on all matching contacts running now or finished in the last hour. */
  bulkActions: BulkActionView[]
}

export type ContactDetail = {
  id: string
  displayName: string
  name: string | null
  profileName: string | null
  phone: string | null
  waId: string | null
  bsuid: string | null
  lid: string | null
  email: string | null
  locale: string | null
  timezone: string | null
  country: string | null
  source: string
  createdAt: string
  lastSeenAt: string | null
  lastInboundAt: string | null
  lastOutboundAt: string | null
  messagesIn: number
  messagesOut: number
  campaignsReceived: number
  campaignsRead: number
  campaignsReplied: number
  erasedAt: string | null
}

export type ContactShowProps = {
  contact: ContactDetail
  fields: CustomFieldRow[]
  values: Record<string, FieldValue>
  tags: { id: string; name: string; color: string }[]
  allTags: { id: string; name: string; color: string }[]
  consent: (Omit<ConsentStatus, 'since'> & { since: string | null })[]
  timeline: TimelinePage
  conversations: {
    id: string
    status: string
    channel: string
    lastMessageAt: string | null
    preview: string | null
  }[]
  duplicates: DuplicateCandidate[]
}

function contactDetail(contact: Contact): ContactDetail {
  return {
    id: contact.publicId,
    displayName: contact.displayName,
    name: contact.name,
    profileName: contact.profileName,
    phone: contact.phone,
    waId: contact.waId,
    bsuid: contact.bsuid,
    lid: contact.lid,
    email: contact.email,
    locale: contact.locale,
    timezone: contact.timezone,
    country: contact.country,
    source: contact.source,
    createdAt: contact.createdAt.toISO()!,
    lastSeenAt: contact.lastSeenAt?.toISO() ?? null,
    lastInboundAt: contact.lastInboundAt?.toISO() ?? null,
    lastOutboundAt: contact.lastOutboundAt?.toISO() ?? null,
    messagesIn: Number(contact.messagesIn ?? 0),
    messagesOut: Number(contact.messagesOut ?? 0),
    campaignsReceived: Number(contact.campaignsReceived ?? 0),
    campaignsRead: Number(contact.campaignsRead ?? 0),
    campaignsReplied: Number(contact.campaignsReplied ?? 0),
    erasedAt: contact.erasedAt?.toISO() ?? null,
  }
}

const wantsJson = (request: HttpContext['request']) =>
  !request.header('x-inertia') && request.accepts(['html', 'json']) === 'json'

/**
 * The contacts list and the contact page (contacts.view); creating,
 * editing, tagging, consent, bulk actions and merges (contacts.manage).
 */
export default class ContactsController {
  async index({ inertia, bouncer, request }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const filters = await parseListFilters(request.qs())
    const fields = await workspaceFields()
    const page = await listContacts(filters, fields)
    if (wantsJson(request)) return page

    const definition = filterDefinition(filters)
    const shown = {
      q: filters.q,
      tag: filters.tag,
      consent: filters.consent,
      segment: filters.segment,
      sort: filters.sort,
      dir: filters.dir,
    }
    const props: ContactsIndexProps = {
      contacts: page.rows,
      nextCursor: page.nextCursor,
      filters: shown,
      filterDefinition: definition,
      total: await countMatching(definition),
      filtered: hasFilters(filters),
      fields: fields.map(customFieldRow),
      tags: (await Tag.query().orderBy('name')).map((tag) => ({
        id: tag.publicId,
        name: tag.name,
        color: tag.color,
      })),
      segments: (await Segment.query().orderBy('name').limit(500)).map((segment) => ({
        id: segment.publicId,
        name: segment.name,
      })),
      sorts: Object.keys(CONTACT_SORTS),
      consentFilters: CONSENT_FILTERS,
      bulkActions: await recentBulkActions(),
    }
    return inertia.render('contacts/index', props)
  }

  async store({ request, bouncer, response, session, i18n, auth, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const payload = await request.validateUsing(createContactValidator)
    const contact = await createContact(workspace, payload, auth.user!.id)
    if (wantsJson(request)) return response.created(contactDetail(contact))
    session.flash('success', i18n.t('contacts.created', { name: contact.displayName }))
    return response.redirect(`/w/${workspace.slug}/contacts/${contact.publicId}`)
  }

  async show({ inertia, bouncer, params, auth }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    const fields = await workspaceFields()
    const conversations = await Conversation.query()
      .where('contact_id', contact.id)
      .preload('channel')
      .orderBy('last_message_at', 'desc')
      .limit(50)
    const consent = await Promise.all(
      (['marketing', 'utility'] as const).map(async (scope) => {
        const status = await statusOf(contact, scope)
        return { ...status, since: status.since?.toISO() ?? null }
      })
    )
    const props: ContactShowProps = {
      contact: contactDetail(contact),
      fields: fields.map(customFieldRow),
      values: (await fieldValuesOf([contact.id], fields)).get(contact.id) ?? {},
      tags: (await tagsOf([contact.id])).get(contact.id) ?? [],
      allTags: (await Tag.query().orderBy('name')).map((tag) => ({
        id: tag.publicId,
        name: tag.name,
        color: tag.color,
      })),
      consent,
      timeline: await getContactTimeline(contact, { viewerId: auth.user!.id }),
      conversations: conversations.map((conversation) => ({
        id: conversation.publicId,
        status: conversation.status,
        channel: conversation.channel?.name ?? '',
        lastMessageAt: conversation.lastMessageAt?.toISO() ?? null,
        preview: conversation.lastMessagePreview,
      })),
      duplicates: contact.erasedAt ? [] : await findDuplicates(contact),
    }
    return inertia.render('contacts/show', props)
  }

  /** GET /contacts/:contact/timeline?cursor=: the next page (JSON). */
  async timeline({ bouncer, params, request, auth }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.view')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    return getContactTimeline(contact, {
      cursor: String(request.input('cursor', '') || ''),
      limit: Number(request.input('limit', 30)) || 30,
      viewerId: auth.user!.id,
    })
  }

  async update({
    params,
    request,
    bouncer,
    response,
    session,
    i18n,
    auth,
    workspace,
  }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    if (contact.erasedAt) contactFieldError('name', 'contacts.errors.erased')
    const payload = await request.validateUsing(updateContactValidator)
    const changes = await updateContact(workspace, contact, payload, auth.user!.id)
    if (wantsJson(request)) return { contact: contactDetail(contact), changes: changes.length }
    session.flash('success', i18n.t('contacts.saved'))
    return response.redirect().back()
  }

  async destroy({ params, request, bouncer, response, session, i18n, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    await contact.delete()
    await audit({
      action: 'contacts.deleted',
      workspaceId: tenancy.workspaceId(),
      target: { type: 'contact', id: contact.publicId },
      before: { name: contact.displayName, phone: contact.phone },
    })
    if (wantsJson(request)) return response.noContent()
    session.flash('success', i18n.t('contacts.deleted', { name: contact.displayName }))
    return response.redirect(`/w/${workspace.slug}/contacts`)
  }

  async addTag({ params, request, bouncer, response }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    const { tag: reference } = await request.validateUsing(contactTagValidator)
    const tag = await findTag(reference)
    if (!tag) contactFieldError('tag', 'contacts.errors.tag_unknown')
    await tagContacts([contact.id], tag.id)
    if (wantsJson(request)) return (await tagsOf([contact.id])).get(contact.id) ?? []
    return response.redirect().back()
  }

  async removeTag({ params, request, bouncer, response }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    const tag = await Tag.findByOrFail('public_id', params.tag)
    await untagContacts([contact.id], tag.id)
    if (wantsJson(request)) return (await tagsOf([contact.id])).get(contact.id) ?? []
    return response.redirect().back()
  }

  async consent({ params, request, bouncer, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    const payload = await request.validateUsing(contactConsentValidator)
    await recordConsent({
      contactId: contact.id,
      event: payload.event,
      scope: payload.scope,
      source: 'agent',
      actorId: auth.user!.id,
      proof: { text: payload.proof ?? null, ip: request.ip() },
    })
    const status = await statusOf(contact, payload.scope)
    if (wantsJson(request)) return { ...status, since: status.since?.toISO() ?? null }
    session.flash('success', i18n.t(`contacts.consent.recorded_${payload.event}`))
    return response.redirect().back()
  }

  async bulk({ request, bouncer, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const payload = await request.validateUsing(bulkContactsValidator)
    if (payload.all) {
      // Every contact the filters match (possibly millions): a job with a
      // progress bar on the list, not a long request.
      const filters = await parseListFilters(payload.filters ?? {})
      const started = await startBulkAction(
        {
          action: payload.action,
          definition: filterDefinition(filters),
          tag: payload.tag,
          field: payload.field,
          value: payload.value,
        },
        auth.user!.id
      )
      if (wantsJson(request)) return response.accepted({ bulk: bulkActionView(started) })
      session.flash('success', i18n.t('contacts.bulk.started', { count: started.total ?? 0 }))
      return response.redirect().back()
    }
    if (!payload.ids?.length) contactFieldError('ids', 'contacts.errors.nothing_selected')
    const result = await bulkUpdateContacts(
      {
        action: payload.action,
        target: { publicIds: payload.ids },
        tag: payload.tag,
        field: payload.field,
        value: payload.value,
      },
      auth.user!.id
    )
    if (wantsJson(request)) return result
    session.flash(
      'success',
      i18n.t(`contacts.bulk.done_${payload.action}`, { count: result.affected })
    )
    return response.redirect().back()
  }

  /** One bulk action's progress (the list polls it when realtime is unavailable). */
  async bulkProgress({ params, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const row = await ContactBulkAction.findByOrFail('public_id', params.bulk)
    return bulkActionView(row)
  }

  async merge({ params, request, bouncer, response, session, i18n, auth }: HttpContext) {
    await bouncer.authorize('permit', 'contacts.manage')
    const contact = await Contact.findByOrFail('public_id', params.contact)
    const { other: otherId } = await request.validateUsing(mergeContactValidator)
    const other = await Contact.findBy('public_id', otherId)
    if (!other) contactFieldError('other', 'contacts.errors.merge_unknown')
    await mergeContacts(contact, other, auth.user!.id)
    if (wantsJson(request)) return contactDetail(contact)
    session.flash('success', i18n.t('contacts.merged', { name: other.displayName }))
    return response.redirect().back()
  }
}
