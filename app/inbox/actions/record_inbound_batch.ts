import { DateTime } from 'luxon'
import { newUlid } from '#core/helpers/ulid'
import db from '@adonisjs/lucid/services/db'
import { emitReceived } from '#inbox/actions/emit_received'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Contact from '#contacts/models/contact'
import { phoneOfWaId } from '#contacts/services/phone'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import type Channel from '#channels/models/channel'
import type { NormalizedMessage } from '#channels/webhooks/normalize_meta'
import { tenancy } from '#core/tenancy/context'
import { lightTransaction } from '#core/helpers/db_errors'
import { previewOf, reopenCutoff } from '#inbox/services/conversation_metrics'

export type InboundItem = { channel: Channel; item: NormalizedMessage }

export type RecordedBatch = {
  /** Messages stored by this call, in input order. */
  created: {
    messageId: number
    conversationId: number
    contactId: number
    channelId: number
    firstInbound: boolean
    at: DateTime
    item: NormalizedMessage
  }[]
  /** Items whose wamid was already stored (redeliveries, repeats inside the batch). */
  duplicates: number
}

const sql = (at: DateTime) => at.toSQL({ includeOffset: false })!

const atOf = (item: NormalizedMessage) =>
  item.timestamp ? DateTime.fromSeconds(item.timestamp) : DateTime.now()

/** Groups keys under a computed key, keeping first-seen order. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const name = key(item)
    const list = groups.get(name)
    if (list) list.push(item)
    else groups.set(name, [item])
  }
  return groups
}

/**
 * Contacts for every item: found by business-scoped id first, then by
 * WhatsApp id (same rule as the single-message path), created when
 * missing, profile name and last inbound time brought up to date.
 */
async function contactsFor(
  trx: TransactionClientContract,
  items: InboundItem[]
): Promise<Map<InboundItem, Contact>> {
  const waIds = [...new Set(items.map(({ item }) => item.contact.waId).filter(Boolean))] as string[]
  const bsuids = [
    ...new Set(items.map(({ item }) => item.contact.bsuid).filter(Boolean)),
  ] as string[]
  const phones = [...new Set(waIds.map((waId) => phoneOfWaId(waId)).filter(Boolean))] as string[]
  const found = await Contact.query({ client: trx }).where((where) => {
    if (waIds.length) where.orWhereIn('wa_id', waIds)
    if (bsuids.length) where.orWhereIn('bsuid', bsuids)
    // A contact imported or created by hand has a phone and no wa_id yet.
    if (phones.length) where.orWhereIn('phone', phones)
  })
  const byBsuid = new Map(found.filter((c) => c.bsuid).map((c) => [c.bsuid!, c]))
  const byWaId = new Map(found.filter((c) => c.waId).map((c) => [c.waId!, c]))
  const byPhone = new Map(found.filter((c) => c.phone).map((c) => [c.phone!, c]))

  const result = new Map<InboundItem, Contact>()
  const latest = new Map<Contact, DateTime>()
  const received = new Map<Contact, number>()
  for (const entry of items) {
    const { waId, bsuid, profileName } = entry.item.contact
    const phone = phoneOfWaId(waId)
    let contact =
      (bsuid && byBsuid.get(bsuid)) ||
      (waId && byWaId.get(waId)) ||
      (phone && byPhone.get(phone)) ||
      null
    const at = atOf(entry.item)
    if (!contact) {
      contact = await Contact.create(
        { waId, bsuid, phone, profileName, lastInboundAt: at, lastSeenAt: at },
        { client: trx }
      )
    } else {
      contact.useTransaction(trx)
      if (bsuid && !contact.bsuid) contact.bsuid = bsuid
      if (waId && !contact.waId) {
        contact.waId = waId
        contact.phone = contact.phone ?? phone
      }
      if (profileName) contact.profileName = profileName
    }
    if (bsuid) byBsuid.set(bsuid, contact)
    if (waId) byWaId.set(waId, contact)
    if (phone) byPhone.set(phone, contact)
    result.set(entry, contact)
    received.set(contact, (received.get(contact) ?? 0) + 1)
    const previous = latest.get(contact)
    if (!previous || previous < at) latest.set(contact, at)
  }

  // Identity and name changes are rare: save only the rows they touched.
  for (const contact of new Set(result.values())) {
    if (contact.$isPersisted && Object.keys(contact.$dirty).length) await contact.save()
  }
  // The last inbound time and the inbound counter move on nearly every
  // message: one UPDATE per distinct (timestamp, count), times never
  // going backwards.
  const byTime = groupBy(
    [...latest.entries()],
    ([contact, at]) => `${sql(at)}|${received.get(contact) ?? 0}`
  )
  for (const [key, pairs] of byTime) {
    const [at, count] = [
      key.slice(0, key.lastIndexOf('|')),
      Number(key.slice(key.lastIndexOf('|') + 1)),
    ]
    const later = (column: string) =>
      trx.knexRawQuery(`CASE WHEN ${column} IS NULL OR ${column} < ? THEN ? ELSE ${column} END`, [
        at,
        at,
      ])
    await Contact.query({ client: trx })
      .whereIn(
        'id',
        pairs.map(([contact]) => contact.id)
      )
      .update({
        last_inbound_at: later('last_inbound_at'),
        last_seen_at: later('last_seen_at'),
        messages_in: trx.knexRawQuery('messages_in + ?', [count]),
        updated_at: sql(DateTime.now()),
      })
  }
  return result
}

/**
 * The entries that are their conversation's first inbound message: the
 * first of the batch in a conversation it opened, or in one never written
 * to before (no last inbound time, as read before this batch) whose
 * earliest inbound message is that entry's.
 */
async function firstInboundEntries(
  trx: TransactionClientContract,
  fresh: InboundItem[],
  conversationOf: Map<InboundItem, Conversation>,
  idOf: (entry: InboundItem) => number
): Promise<Set<InboundItem>> {
  const firstOf = new Map<Conversation, InboundItem>()
  for (const entry of fresh) {
    const conversation = conversationOf.get(entry)!
    if (!firstOf.has(conversation)) firstOf.set(conversation, entry)
  }
  const result = new Set<InboundItem>()
  const unknown: Conversation[] = []
  for (const [conversation, entry] of firstOf) {
    if (conversation.$extras.created_here) result.add(entry)
    else if (!conversation.lastInboundAt) unknown.push(conversation)
  }
  if (unknown.length) {
    const rows: { conversation_id: number | string; first: number | string }[] = await trx
      .from('messages')
      .where('workspace_id', tenancy.workspaceId())
      .whereIn(
        'conversation_id',
        unknown.map((conversation) => conversation.id)
      )
      .where('direction', 'in')
      .groupBy('conversation_id')
      .select('conversation_id')
      .min('id as first')
    const earliest = new Map(rows.map((row) => [Number(row.conversation_id), Number(row.first)]))
    for (const conversation of unknown) {
      const entry = firstOf.get(conversation)!
      if (earliest.get(conversation.id) === idOf(entry)) result.add(entry)
    }
  }
  return result
}

/**
 * Stores many inbound messages of one workspace in one transaction: the
 * fast path of webhook ingestion. Same outcome as calling
 * `recordInboundMessage` for each item in order (contacts upserted,
 * open conversation reused or opened, message inserted once, unread
 * count and 24-hour window refreshed, `inbox:messages_received` and
 * `inbox:message_received` emitted),
 * in a handful of statements instead of eight per message.
 *
 * Any error rolls the whole batch back; the caller then falls back to the
 * one-message path, which handles concurrent inserts of the same message
 * or contact by another worker. Runs inside the workspace's tenant context.
 */
export async function recordInboundBatch(items: InboundItem[]): Promise<RecordedBatch> {
  const workspaceId = tenancy.workspaceId()
  const recorded = await db.transaction(async (trx) => {
    if (trx.dialect.name.includes('sqlite')) {
      // Take SQLite's write lock first (like BEGIN IMMEDIATE): a transaction
      // that reads and then writes fails with SQLITE_BUSY, without waiting,
      // when the web process wrote in between.
      await trx.rawQuery('UPDATE messages SET id = id WHERE 0')
    }
    // Drop wamids already stored, and repeats inside the batch.
    const wamids = [...new Set(items.map(({ item }) => item.providerMessageId))]
    const stored = new Set(
      (
        await Message.query({ client: trx })
          .whereIn('provider_message_id', wamids)
          .select('provider_message_id')
      ).map((row) => row.providerMessageId)
    )
    const fresh: InboundItem[] = []
    for (const entry of items) {
      if (stored.has(entry.item.providerMessageId)) continue
      stored.add(entry.item.providerMessageId)
      fresh.push(entry)
    }
    if (!fresh.length) return []

    const contacts = await contactsFor(trx, fresh)

    // The open conversation of each (contact, channel), else a new one.
    const conversations = new Map<string, Conversation>()
    const keyOf = (contactId: number, channelId: number) => `${contactId}:${channelId}`
    const open = await Conversation.query({ client: trx })
      .whereIn('contact_id', [...new Set([...contacts.values()].map((c) => c.id))])
      .whereIn('channel_id', [...new Set(fresh.map(({ channel }) => channel.id))])
      .where((where) =>
        where.whereNot('status', 'resolved').orWhere('resolved_at', '>=', reopenCutoff())
      )
      .orderBy('id', 'desc')
    for (const conversation of open) {
      const key = keyOf(conversation.contactId, conversation.channelId)
      if (!conversations.has(key)) conversations.set(key, conversation)
    }
    const conversationOf = new Map<InboundItem, Conversation>()
    for (const entry of fresh) {
      const contact = contacts.get(entry)!
      const key = keyOf(contact.id, entry.channel.id)
      let conversation = conversations.get(key)
      if (!conversation) {
        conversation = await Conversation.create(
          { contactId: contact.id, channelId: entry.channel.id, status: 'open', unreadCount: 0 },
          { client: trx }
        )
        conversation.$extras.created_here = true
        conversations.set(key, conversation)
      }
      conversationOf.set(entry, conversation)
    }

    // One multi-row INSERT. The query builder skips model hooks, so the
    // tenant stamp and public id are written here explicitly.
    const now = sql(DateTime.now())
    const rows = fresh.map((entry) => ({
      public_id: newUlid(),
      workspace_id: workspaceId,
      conversation_id: conversationOf.get(entry)!.id,
      channel_id: entry.channel.id,
      direction: 'in',
      provider_message_id: entry.item.providerMessageId,
      type: entry.item.type,
      body: entry.item.body,
      payload: JSON.stringify(entry.item.payload ?? {}),
      status: 'received',
      reply_to_provider_id: entry.item.replyTo,
      media_mime: entry.item.media?.mimeType ?? null,
      provider_timestamp: sql(atOf(entry.item)),
      attempts: 0,
      created_at: now,
      updated_at: now,
    }))
    // SQLite caps a multi-row INSERT at 500 rows: chunks of 100.
    for (let start = 0; start < rows.length; start += 100) {
      await trx
        .insertQuery()
        .table('messages')
        .multiInsert(rows.slice(start, start + 100))
    }
    const ids = new Map(
      (
        await Message.query({ client: trx })
          .whereIn(
            'provider_message_id',
            fresh.map(({ item }) => item.providerMessageId)
          )
          .select('id', 'provider_message_id')
      ).map((row) => [row.providerMessageId!, row.id])
    )

    // Conversations: unread count, last message / inbound times (never
    // backwards) with the newest message's preview, snoozed, pending and
    // recently resolved ones reopened (resolved: reopen_count + 1).
    // Grouped so that conversations with the same change share one UPDATE;
    // the preview goes per conversation through one CASE. On MySQL the SET
    // list is evaluated left to right on the updated row: the preview
    // precedes last_message_at and the reopen columns precede status.
    const perConversation = new Map<
      Conversation,
      { count: number; at: DateTime; preview: string }
    >()
    for (const entry of fresh) {
      const conversation = conversationOf.get(entry)!
      const at = atOf(entry.item)
      const preview = previewOf(entry.item.type, entry.item.body)
      const current = perConversation.get(conversation)
      if (!current) perConversation.set(conversation, { count: 1, at, preview })
      else {
        current.count += 1
        if (current.at <= at) {
          current.at = at
          current.preview = preview
        }
      }
    }
    const changes = groupBy([...perConversation.entries()], ([, c]) => `${c.count}|${sql(c.at)}`)
    for (const pairs of changes.values()) {
      const { count, at } = pairs[0][1]
      const when = sql(at)
      const previewCase =
        'CASE id ' + pairs.map(() => 'WHEN ? THEN ?').join(' ') + ' ELSE last_message_preview END'
      const previewBindings = pairs.flatMap(([conversation, c]) => [conversation.id, c.preview])
      await Conversation.query({ client: trx })
        .whereIn(
          'id',
          pairs.map(([conversation]) => conversation.id)
        )
        .update({
          unread_count: trx.knexRawQuery('unread_count + ?', [count]),
          last_message_preview: trx.knexRawQuery(
            `CASE WHEN last_message_at IS NULL OR last_message_at <= ? THEN ${previewCase} ELSE last_message_preview END`,
            [when, ...previewBindings]
          ),
          last_message_direction: trx.knexRawQuery(
            "CASE WHEN last_message_at IS NULL OR last_message_at <= ? THEN 'in' ELSE last_message_direction END",
            [when]
          ),
          last_message_at: trx.knexRawQuery(
            'CASE WHEN last_message_at IS NULL OR last_message_at < ? THEN ? ELSE last_message_at END',
            [when, when]
          ),
          last_inbound_at: trx.knexRawQuery(
            'CASE WHEN last_inbound_at IS NULL OR last_inbound_at < ? THEN ? ELSE last_inbound_at END',
            [when, when]
          ),
          reopen_count: trx.knexRawQuery(
            "reopen_count + CASE WHEN status = 'resolved' THEN 1 ELSE 0 END"
          ),
          reopened_at: trx.knexRawQuery(
            "CASE WHEN status = 'resolved' THEN ? ELSE reopened_at END",
            [now]
          ),
          snoozed_until: trx.knexRawQuery(
            "CASE WHEN status = 'open' THEN snoozed_until ELSE NULL END"
          ),
          status: trx.knexRawQuery(
            "CASE WHEN status IN ('snoozed', 'pending', 'resolved') THEN 'open' ELSE status END"
          ),
          updated_at: now,
        })
    }

    const firsts = await firstInboundEntries(trx, fresh, conversationOf, (entry) =>
      ids.get(entry.item.providerMessageId)!
    )
    return fresh.map((entry) => ({
      messageId: ids.get(entry.item.providerMessageId)!,
      conversationId: conversationOf.get(entry)!.id,
      contactId: contacts.get(entry)!.id,
      channelId: entry.channel.id,
      firstInbound: firsts.has(entry),
      at: atOf(entry.item),
      item: entry.item,
    }))
  }, lightTransaction(db.connection().dialect.name))

  await emitReceived(
    workspaceId,
    recorded.map((row) => ({
      conversationId: row.conversationId,
      messageId: row.messageId,
      contactId: row.contactId,
      channelId: row.channelId,
      type: row.item.type,
      body: row.item.body,
      at: row.at,
      firstInbound: row.firstInbound,
    }))
  )
  return { created: recorded, duplicates: items.length - recorded.length }
}
