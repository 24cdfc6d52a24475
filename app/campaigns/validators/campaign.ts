import vine from '@vinejs/vine'

const publicIds = vine.array(vine.string().trim().maxLength(26)).maxLength(50)

const variableSource = vine.object({
  source: vine.enum(['field', 'custom', 'text'] as const),
  key: vine.string().trim().maxLength(64).optional(),
  text: vine.string().maxLength(1024).optional(),
  fallback: vine.string().maxLength(1024).optional(),
})

/** PUT/POST a campaign draft (every step of the wizard saves through it). */
export const campaignValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(160),
    channel: vine.string().trim().maxLength(26).nullable().optional(),
    audience: vine
      .object({
        include: vine.object({
          segments: publicIds,
          tags: publicIds,
          list: vine.boolean(),
          allContacts: vine.boolean(),
        }),
        exclude: vine.object({ segments: publicIds, tags: publicIds }),
      })
      .optional(),
    variants: vine
      .array(
        vine.object({
          template: vine.string().trim().maxLength(26).nullable(),
          variables: vine.record(variableSource),
          splitPercent: vine.number().withoutDecimals().min(0).max(100),
        })
      )
      .minLength(1)
      .maxLength(5)
      .optional(),
    schedule: vine
      .object({
        mode: vine.enum(['now', 'later'] as const),
        sendAt: vine.string().trim().maxLength(40).nullable().optional(),
        localTime: vine.boolean().optional(),
        timezone: vine.string().trim().maxLength(64).nullable().optional(),
        recurrence: vine
          .object({
            freq: vine.enum(['daily', 'weekly', 'monthly'] as const),
            interval: vine.number().withoutDecimals().min(1).max(12),
            until: vine.string().trim().maxLength(10).nullable().optional(),
          })
          .nullable()
          .optional(),
      })
      .optional(),
    frequencyCapHours: vine.number().withoutDecimals().min(0).max(720).nullable().optional(),
    abTest: vine
      .object({
        testPercent: vine.number().withoutDecimals().min(5).max(50).nullable(),
        winnerMetric: vine.enum(['read', 'reply'] as const),
        winnerAfterHours: vine.number().withoutDecimals().min(1).max(168),
      })
      .nullable()
      .optional(),
  })
)

export const rejectValidator = vine.compile(
  vine.object({ reason: vine.string().trim().minLength(3).maxLength(500) })
)

export const listUploadValidator = vine.compile(
  vine.object({
    numbers: vine.string().maxLength(2_000_000).optional(),
    file: vine.file({ size: '20mb', extnames: ['csv', 'txt'] }).optional(),
  })
)

export const previewValidator = vine.compile(
  vine.object({
    variant: vine.number().withoutDecimals().min(0).max(4).optional(),
    contact: vine.string().trim().maxLength(26).optional(),
  })
)

export const settingsValidator = vine.compile(
  vine.object({
    approvalRequired: vine.boolean(),
    frequencyCapHours: vine.number().withoutDecimals().min(0).max(720),
    replyWindowHours: vine.number().withoutDecimals().min(1).max(720),
  })
)

export const calendarValidator = vine.compile(
  vine.object({
    month: vine
      .string()
      .regex(/^\d{4}-\d{2}$/)
      .optional(),
  })
)
