import vine from '@vinejs/vine'

/**
 * A CSV export: the list's current filter (`definition`, a segment group
 * checked in depth by the segment engine when the export is requested)
 * or a saved segment's public id. Neither: every contact.
 */
export const csvExportValidator = vine.compile(
  vine.object({
    definition: vine
      .object({
        type: vine.literal('group'),
        match: vine.enum(['all', 'any'] as const),
        negate: vine.boolean().optional(),
        conditions: vine.array(vine.any()).maxLength(100),
      })
      .allowUnknownProperties()
      .optional(),
    segment: vine.string().trim().maxLength(26).optional(),
  })
)

/** Erasure is confirmed by typing the contact's phone number or the word ERASE. */
export const eraseContactValidator = vine.compile(
  vine.object({
    confirm: vine.string().trim().maxLength(64),
  })
)
