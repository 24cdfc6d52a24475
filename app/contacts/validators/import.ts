import vine from '@vinejs/vine'

/**
 * Starting an import: one target per column of the file, and the
 * options. The mapping's rules that need the file and the workspace's
 * custom fields (exactly one phone column…) are checked by the action.
 */
const target = vine.object({
  kind: vine.enum(['ignore', 'standard', 'custom', 'tags', 'consent'] as const),
  field: vine.enum(['phone', 'name', 'email', 'locale', 'timezone', 'country'] as const).optional(),
  key: vine.string().trim().maxLength(48).optional(),
})

const options = {
  mapping: vine.array(target).minLength(1).maxLength(500),
  defaultCountry: vine
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/)
    .nullable()
    .optional(),
}

export const importStartValidator = vine.compile(
  vine.object({
    ...options,
    onExisting: vine.enum(['update', 'skip'] as const),
    tags: vine.array(vine.string().trim().minLength(1).maxLength(64)).maxLength(20).optional(),
    consentScope: vine.enum(['marketing', 'utility'] as const).optional(),
  })
)

/** The mapping screen's live preview (same mapping, no side effects). */
export const importPreviewValidator = vine.compile(vine.object(options))
