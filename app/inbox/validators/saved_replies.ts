import vine from '@vinejs/vine'

export const REPLY_VISIBILITIES = ['personal', 'team', 'workspace'] as const

/** Create or edit a saved reply (Settings → Saved replies). */
export const savedReplyValidator = vine.compile(
  vine.object({
    shortcut: vine
      .string()
      .trim()
      .toLowerCase()
      .minLength(1)
      .maxLength(40)
      .regex(/^[a-z0-9_-]+$/),
    title: vine.string().trim().minLength(1).maxLength(120),
    body: vine.string().trim().minLength(1).maxLength(4096),
    category: vine.string().trim().maxLength(64).optional(),
    visibility: vine.string().in([...REPLY_VISIBILITIES]),
    /** Team public id, required when visibility is `team`. */
    team: vine.string().trim().maxLength(26).optional().requiredWhen('visibility', '=', 'team'),
  })
)

/** GET /w/:workspace/inbox/replies?q=&conversation= */
export const replySearchValidator = vine.compile(
  vine.object({
    q: vine.string().trim().maxLength(120).optional(),
    conversation: vine.string().trim().maxLength(26).optional(),
  })
)
