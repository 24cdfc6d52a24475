import vine from '@vinejs/vine'

/** GET …/conversations/:conversation/templates?q=&page= */
export const pickerListValidator = vine.compile(
  vine.object({
    q: vine.string().trim().maxLength(100).optional(),
    page: vine.number().withoutDecimals().min(1).max(10_000).optional(),
  })
)

/** POST …/conversations/:conversation/templates { template, values } */
export const pickerSendValidator = vine.compile(
  vine.object({
    template: vine.string().trim().minLength(1).maxLength(40),
    values: vine.record(vine.string().maxLength(2000)).optional(),
  })
)
