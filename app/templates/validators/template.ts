import vine from '@vinejs/vine'

/**
 * A template from the editor. Only the envelope is checked here; Meta's
 * rules are `validateTemplate` (#templates/validation), which answers 422
 * with issues that point at the faulty component.
 */
export const templateValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(600),
    language: vine.string().trim().minLength(1).maxLength(16),
    category: vine.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']),
    parameterFormat: vine.enum(['positional', 'named']).optional(),
    components: vine.array(vine.object({}).allowUnknownProperties()).maxLength(8),
    channel: vine.string().trim().maxLength(26).optional().nullable(),
    /** Also submit to Meta (otherwise a draft is saved). */
    submit: vine.boolean().optional(),
  })
)

export const templateListValidator = vine.compile(
  vine.object({
    q: vine.string().trim().maxLength(200).optional(),
    status: vine.string().trim().maxLength(24).optional(),
    category: vine.string().trim().maxLength(16).optional(),
  })
)
