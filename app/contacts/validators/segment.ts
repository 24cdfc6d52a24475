import vine from '@vinejs/vine'

/**
 * A saved segment. The definition's own rules (shape, operators, values,
 * references) are the engine's: `segmentFilter` answers 422 with paths.
 */
export const segmentValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(120),
    description: vine.string().trim().maxLength(500).optional().nullable(),
    definition: vine.any(),
  })
)

/** The builder's live count: a definition and, when editing, the segment's own id. */
export const segmentCountValidator = vine.compile(
  vine.object({
    definition: vine.any(),
    segment: vine.string().trim().maxLength(26).optional().nullable(),
  })
)
