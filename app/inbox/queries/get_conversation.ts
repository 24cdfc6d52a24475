import db from '@adonisjs/lucid/services/db'
import type Conversation from '#inbox/models/conversation'
import type { ContactFieldsPanel, ConversationDetail, InboxStatus, TagRef } from '#inbox/types'
import { statusOf } from '#contacts/services/consent'
import { fieldValuesOf, workspaceFields } from '#contacts/services/custom_fields'
import { LIST_COLUMNS, listItems, toIso, type ConversationRow } from '#inbox/queries/serialize'
import { whereVisible, type InboxScope } from '#inbox/queries/inbox_scope'

/** Earlier conversations of the same contact shown in the sidebar. */
export const PREVIOUS_CONVERSATIONS = 10

/**
 * The sidebar's custom fields of one contact: one query for the
 * workspace's fields (tenant-scoped model), one for the contact's values.
 */
async function contactFields(contactId: number): Promise<Omit<ContactFieldsPanel, 'canEdit'>> {
  const fields = await workspaceFields()
  const values = (await fieldValuesOf([contactId], fields)).get(contactId) ?? {}
  return {
    fields: fields.map((field) => ({
      key: field.key,
      label: field.label,
      type: field.type,
      options: field.options ?? [],
      required: field.required,
    })),
    values,
  }
}

/**
 * The open conversation with its contact sidebar: profile, contact tags,
 * marketing consent, custom fields, the contact's previous conversations
 * (the member's visible ones, newest first) and the conversation's metrics.
 */
export async function getConversation(
  scope: InboxScope,
  conversation: Conversation
): Promise<ConversationDetail> {
  const { workspaceId } = scope
  const row: ConversationRow = await db
    .from('conversations')
    .where('workspace_id', workspaceId)
    .where('id', conversation.id)
    .select(LIST_COLUMNS)
    .firstOrFail()

  const [[item], contact, contactTags, consent, previous, fields] = await Promise.all([
    listItems(workspaceId, [row]),
    db
      .from('contacts')
      .where('workspace_id', workspaceId)
      .where('id', conversation.contactId)
      .select('wa_id', 'profile_name', 'erased_at')
      .first(),
    db
      .from('contact_tags')
      .join('tags', (join) => {
        join
          .on('tags.id', 'contact_tags.tag_id')
          .andOn('tags.workspace_id', 'contact_tags.workspace_id')
      })
      .where('contact_tags.workspace_id', workspaceId)
      .where('contact_tags.contact_id', conversation.contactId)
      .orderBy('tags.name')
      .select('tags.public_id', 'tags.name', 'tags.color'),
    statusOf(conversation.contactId, 'marketing'),
    whereVisible(
      db
        .from('conversations')
        .where('conversations.workspace_id', workspaceId)
        .where('conversations.contact_id', conversation.contactId)
        .whereNot('conversations.id', conversation.id),
      scope
    )
      .orderBy('conversations.id', 'desc')
      .limit(PREVIOUS_CONVERSATIONS)
      .select(
        'conversations.public_id',
        'conversations.status',
        'conversations.last_message_at',
        'conversations.last_message_preview'
      ),
    contactFields(Number(conversation.contactId)),
  ])

  return {
    ...item,
    language: conversation.language ?? null,
    contact: {
      ...item.contact,
      waId: contact?.wa_id ?? null,
      profileName: contact?.profile_name ?? null,
      // Not stored yet (contacts issue): always null for now.
      email: null,
      locale: null,
      timezone: null,
      country: null,
      tags: contactTags.map((tag: any): TagRef => ({
        id: tag.public_id,
        name: tag.name,
        color: tag.color,
      })),
      consent: consent.state === 'none' ? 'unknown' : consent.state,
      previousConversations: previous.map((other: any) => ({
        id: other.public_id,
        status: other.status as InboxStatus,
        lastMessageAt: toIso(other.last_message_at),
        preview: other.last_message_preview ?? null,
      })),
      // Editable with `contacts.manage`, unless the contact was erased.
      customFields: {
        ...fields,
        canEdit: scope.canManageContacts === true && !contact?.erased_at,
      },
    },
    metrics: {
      firstResponseSeconds: conversation.firstResponseSeconds ?? null,
      resolutionSeconds: conversation.resolutionSeconds ?? null,
      agentReplyCount: Number(conversation.agentReplyCount ?? 0),
      reopenCount: Number(conversation.reopenCount ?? 0),
    },
  }
}
