import vine from '@vinejs/vine'

const publicId = () => vine.string().trim().minLength(1).maxLength(40)

/** POST …/messages (JSON): a text reply, optionally quoting a message. */
export const replyValidator = vine.compile(
  vine.object({
    text: vine.string().trim().minLength(1).maxLength(4096),
    replyTo: publicId().optional().nullable(),
  })
)

/** POST …/messages (multipart): the caption and quoted message of an attachment. */
export const attachmentFieldsValidator = vine.compile(
  vine.object({
    caption: vine.string().trim().maxLength(1024).optional().nullable(),
    replyTo: publicId().optional().nullable(),
  })
)

/** POST …/notes */
export const noteValidator = vine.compile(
  vine.object({
    text: vine.string().trim().minLength(1).maxLength(4096),
    mentions: vine.array(publicId()).maxLength(50).optional(),
  })
)

/** PUT …/status */
export const statusValidator = vine.compile(
  vine.object({
    status: vine.enum(['open', 'pending', 'snoozed', 'resolved'] as const),
    snoozedUntil: vine.string().trim().maxLength(40).optional().nullable(),
  })
)

/** PUT …/priority */
export const priorityValidator = vine.compile(
  vine.object({ priority: vine.number().withoutDecimals().min(0).max(4) })
)

/** PUT …/tags */
export const conversationTagsValidator = vine.compile(
  vine.object({
    add: vine.array(publicId()).maxLength(50).optional(),
    remove: vine.array(publicId()).maxLength(50).optional(),
  })
)

export const BULK_MAX = 500

/** POST /inbox/bulk */
export const bulkValidator = vine.compile(
  vine.object({
    action: vine.enum(['assign', 'team', 'tag', 'untag', 'resolve', 'reopen', 'read'] as const),
    conversations: vine.array(publicId()).minLength(1).maxLength(BULK_MAX),
    assignee: publicId().optional().nullable(),
    team: publicId().optional().nullable(),
    tags: vine.array(publicId()).maxLength(50).optional(),
  })
)

/** POST /inbox/filters */
export const savedFilterValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(80),
    filters: vine.object({}).allowUnknownProperties(),
  })
)
