import vine from '@vinejs/vine'

const localDateTime = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)

/**
 * `timezone`: 'agent' (the browser's zone, sent as `browserTimezone`),
 * 'contact' or an IANA zone name.
 */
const zoneChoice = () => vine.string().trim().minLength(1).maxLength(64)

export const scheduleMessageValidator = vine.compile(
  vine.object({
    body: vine.string().trim().minLength(1).maxLength(4096),
    sendAt: localDateTime(),
    timezone: zoneChoice(),
    browserTimezone: vine.string().trim().maxLength(64).optional(),
  })
)

export const updateScheduledMessageValidator = vine.compile(
  vine.object({
    body: vine.string().trim().minLength(1).maxLength(4096).optional(),
    sendAt: localDateTime().optional(),
    timezone: zoneChoice().optional(),
    browserTimezone: vine.string().trim().maxLength(64).optional(),
  })
)
