import type { PassThrough } from 'node:stream'
import Contact from '#contacts/models/contact'
import ContactNote from '#contacts/models/contact_note'
import ContactEvent from '#contacts/models/contact_event'
import ConsentEvent from '#contacts/models/consent_event'
import type ContactExport from '#contacts/models/contact_export'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import { fieldValuesOf, workspaceFields } from '#contacts/services/custom_fields'
import { createExport, writeChunk } from '#contacts/services/export_files'
import { tagsOf } from '#contacts/services/export_csv'
import { ZipUpload } from '#contacts/services/export_zip'
import type { ExportWriter } from '#contacts/services/export_runner'

/**
 * A data subject's copy of their data (issue 6 §6): one zip with
 * `contact.json` (profile, custom fields, tags, notes, consent events,
 * timeline events, conversations with their messages) and `media/` (the
 * stored attachments of those messages). Started from the contact page,
 * written by the export job, offered through the signed download link.
 */

const MESSAGE_PAGE = 500

export async function requestContactDataExport(contact: Contact, userId: number | null) {
  return createExport({
    kind: 'contact',
    params: { contact: contact.publicId },
    userId,
    subject: { type: 'contacts', id: contact.publicId },
  })
}

function extensionOf(path: string) {
  const match = /\.([a-z0-9]{1,8})$/i.exec(path)
  return match ? match[1].toLowerCase() : 'bin'
}

/** The contact's profile as the archive shows it. */
export function profileOf(contact: Contact) {
  return {
    id: contact.publicId,
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
    messagesIn: contact.messagesIn,
    messagesOut: contact.messagesOut,
    campaignsReceived: contact.campaignsReceived,
    campaignsRead: contact.campaignsRead,
    campaignsReplied: contact.campaignsReplied,
    lastInboundAt: contact.lastInboundAt?.toISO() ?? null,
    lastOutboundAt: contact.lastOutboundAt?.toISO() ?? null,
    lastSeenAt: contact.lastSeenAt?.toISO() ?? null,
    createdAt: contact.createdAt.toISO(),
    erasedAt: contact.erasedAt?.toISO() ?? null,
  }
}

/** Writes `"key":` and a JSON value into an open object. */
async function member(sink: PassThrough, key: string, value: unknown, first = false) {
  await writeChunk(sink, `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(value)}`)
}

export const writeContactArchive: ExportWriter = async (exp: ContactExport, { key, progress }) => {
  const contact = await Contact.findByOrFail('public_id', String(exp.params.contact ?? ''))
  const fields = await workspaceFields()
  const values = (await fieldValuesOf([contact.id], fields)).get(contact.id) ?? {}
  const conversations = await Conversation.query()
    .where('contact_id', contact.id)
    .orderBy('id', 'asc')
  const conversationIds = conversations.map((conversation) => conversation.id)
  const [{ $extras }] = conversationIds.length
    ? await Message.query().whereIn('conversation_id', conversationIds).count('* as total')
    : [{ $extras: { total: 0 } }]
  const total = Number($extras.total)
  await progress(0, total)

  const archive = new ZipUpload(key)
  const media: { path: string; name: string }[] = []
  let written = 0
  try {
    await archive.entry('contact.json', async (sink) => {
      await writeChunk(sink, '{')
      await member(sink, 'exportedAt', new Date().toISOString(), true)
      await member(sink, 'profile', profileOf(contact))
      await member(
        sink,
        'customFields',
        fields.map((field) => ({
          key: field.key,
          label: field.label,
          type: field.type,
          value: values[field.key] ?? null,
        }))
      )
      await member(sink, 'tags', (await tagsOf([contact.id])).get(contact.id) ?? [])
      const notes = await ContactNote.query().where('contact_id', contact.id).orderBy('id')
      await member(
        sink,
        'notes',
        notes.map((note) => ({ body: note.body, createdAt: note.createdAt.toISO() }))
      )
      const consent = await ConsentEvent.query()
        .where('contact_id', contact.id)
        .orderBy('occurred_at')
        .orderBy('id')
      await member(
        sink,
        'consentEvents',
        consent.map((event) => ({
          event: event.event,
          scope: event.scope,
          channel: event.channel,
          source: event.source,
          proofText: event.proofText,
          proofIp: event.proofIp,
          proofFileRow: event.proofFileRow,
          occurredAt: event.occurredAt.toISO(),
        }))
      )
      const events = await ContactEvent.query().where('contact_id', contact.id).orderBy('id')
      await member(
        sink,
        'events',
        events.map((event) => ({
          kind: event.kind,
          name: event.name,
          data: event.data,
          occurredAt: event.occurredAt.toISO(),
        }))
      )
      await writeChunk(sink, ',"conversations":[')
      for (const [index, conversation] of conversations.entries()) {
        const head = {
          id: conversation.publicId,
          status: conversation.status,
          createdAt: conversation.createdAt.toISO(),
          lastMessageAt: conversation.lastMessageAt?.toISO() ?? null,
        }
        const open = JSON.stringify(head).slice(0, -1)
        await writeChunk(sink, `${index ? ',' : ''}${open},"messages":[`)
        let afterId = 0
        let firstMessage = true
        for (;;) {
          const messages = await Message.query()
            .where('conversation_id', conversation.id)
            .where('id', '>', afterId)
            .orderBy('id', 'asc')
            .limit(MESSAGE_PAGE)
          if (!messages.length) break
          for (const message of messages) {
            let file: string | null = null
            if (message.mediaPath) {
              file = `media/${message.publicId}.${extensionOf(message.mediaPath)}`
              media.push({ path: message.mediaPath, name: file })
            }
            const row = {
              id: message.publicId,
              direction: message.direction,
              type: message.type,
              status: message.status,
              body: message.body,
              payload: message.payload,
              media: file,
              mediaMime: message.mediaMime,
              createdAt: message.createdAt.toISO(),
              sentAt: message.sentAt?.toISO() ?? null,
              deliveredAt: message.deliveredAt?.toISO() ?? null,
              readAt: message.readAt?.toISO() ?? null,
            }
            await writeChunk(sink, `${firstMessage ? '' : ','}${JSON.stringify(row)}`)
            firstMessage = false
          }
          written += messages.length
          afterId = messages[messages.length - 1].id
          await progress(written)
          if (messages.length < MESSAGE_PAGE) break
        }
        await writeChunk(sink, ']}')
      }
      await writeChunk(sink, ']}\n')
    })
    for (const file of media) archive.driveFile(file.path, file.name)
    await archive.finish()
  } catch (error) {
    await archive.abort(error)
    throw error
  }
  return { rows: written, total }
}
