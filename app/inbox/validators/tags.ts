import vine from '@vinejs/vine'
import { TAG_COLORS } from '#inbox/predefined_tags'

/** Create or edit a tag (Settings → Tags). */
export const tagValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(64),
    color: vine
      .string()
      .trim()
      .in([...TAG_COLORS]),
  })
)

/** Statistics range: ISO dates (YYYY-MM-DD), both optional. */
export const tagStatsValidator = vine.compile(
  vine.object({
    from: vine
      .string()
      .trim()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    to: vine
      .string()
      .trim()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  })
)
