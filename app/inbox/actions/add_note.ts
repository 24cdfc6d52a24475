import db from '@adonisjs/lucid/services/db'
import emitter from '@adonisjs/core/services/emitter'
import Message from '#inbox/models/message'
import Notification from '#core/models/notification'
import type Conversation from '#inbox/models/conversation'

export const NOTE_EXCERPT_LENGTH = 140

type Member = { userId: number; publicId: string; name: string }

async function membersOf(workspaceId: number): Promise<Member[]> {
  const rows = await db
    .from('memberships')
    .join('users', 'users.id', 'memberships.user_id')
    .where('memberships.workspace_id', workspaceId)
    .select('memberships.user_id', 'memberships.public_id', 'users.full_name')
  return rows.map((row) => ({
    userId: Number(row.user_id),
    publicId: row.public_id,
    name: String(row.full_name ?? ''),
  }))
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The members a note mentions: the explicit membership public ids the
 * composer sends (unknown ones ignored), plus every `@Full Name` token of
 * the text that names a member (case-insensitive, longest name first).
 */
export function resolveMentions(text: string, explicit: string[], members: Member[]): Member[] {
  const found = new Map<number, Member>()
  const byPublicId = new Map(members.map((member) => [member.publicId, member]))
  for (const id of explicit) {
    const member = byPublicId.get(id)
    if (member) found.set(member.userId, member)
  }
  const named = members
    .filter((member) => member.name.trim().length > 0)
    .sort((a, b) => b.name.length - a.name.length)
  for (const member of named) {
    const pattern = new RegExp(
      `(^|\\s)@${escapeRegExp(member.name.trim())}(?=$|[\\s.,;:!?)])`,
      'iu'
    )
    if (pattern.test(text)) found.set(member.userId, member)
  }
  return [...found.values()]
}

/**
 * Adds an internal note: a `messages` row with direction `note` (type
 * text, status received, payload `{ mentions: [membership public ids] }`)
 * that never reaches a driver, does not count as unread and does not move
 * the conversation in the list (last message time and preview stay the
 * customer-facing ones). Each mentioned member except the author gets an
 * `inbox.mention` notification; `inbox:note_added` is emitted (realtime
 * `note.created` and `note.mention` items).
 */
export async function addNote(input: {
  conversation: Conversation
  text: string
  authorId: number
  mentions?: string[]
}): Promise<{ message: Message; mentioned: Member[] }> {
  const { conversation } = input
  const workspaceId = conversation.workspaceId
  const members = await membersOf(workspaceId)
  const mentioned = resolveMentions(input.text, input.mentions ?? [], members)
  const author = members.find((member) => member.userId === input.authorId)

  const message = await Message.create({
    conversationId: conversation.id,
    channelId: conversation.channelId,
    direction: 'note',
    type: 'text',
    body: input.text,
    payload: { mentions: mentioned.map((member) => member.publicId) },
    status: 'received',
    sentById: input.authorId,
    attempts: 0,
  })

  const notified = mentioned.filter((member) => member.userId !== input.authorId)
  if (notified.length) {
    const excerpt = input.text.replace(/\s+/g, ' ').trim().slice(0, NOTE_EXCERPT_LENGTH)
    await Notification.createMany(
      notified.map((member) => ({
        userId: member.userId,
        type: 'inbox.mention',
        data: {
          conversation: conversation.publicId,
          message: message.publicId,
          excerpt,
          author: author?.name ?? '',
        },
      }))
    )
  }

  await emitter.emit('inbox:note_added', {
    workspaceId,
    conversationId: conversation.id,
    messageId: message.id,
    authorId: input.authorId,
    mentionedUserIds: notified.map((member) => member.userId),
  })
  return { message, mentioned }
}
