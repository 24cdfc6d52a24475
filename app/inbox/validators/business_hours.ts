import vine from '@vinejs/vine'
import { KEYWORD_LOCALES } from '#contacts/services/consent_keywords'

/** WhatsApp's limit for the body of a text message. */
export const AUTO_REPLY_MAX_LENGTH = 4096
export const MIN_RETENTION_MONTHS = 12
export const MAX_RETENTION_MONTHS = 120
export const MAX_AUTO_AWAY_MINUTES = 1440

/**
 * Business hours of one scope (the workspace or one channel). Shapes and
 * lengths here; times, overlaps and dates are checked by the action
 * (saveBusinessHours), field by field, with messages that say what to do.
 */
export const businessHoursValidator = vine.compile(
  vine.object({
    /** `inherit`: channels only, use the workspace's hours. */
    mode: vine.enum(['inherit', 'always_open', 'scheduled'] as const),
    days: vine
      .array(
        vine.object({
          weekday: vine.number().withoutDecimals().range([0, 6]),
          intervals: vine
            .array(
              vine.object({
                opensAt: vine.string().trim().maxLength(5),
                closesAt: vine.string().trim().maxLength(5),
              })
            )
            .maxLength(12),
        })
      )
      .maxLength(7)
      .distinct('weekday'),
    holidays: vine
      .array(
        vine.object({
          date: vine.string().trim().maxLength(10),
          name: vine.string().trim().minLength(1).maxLength(120),
        })
      )
      .maxLength(366),
    replies: vine
      .array(
        vine.object({
          kind: vine.enum(['away', 'greeting'] as const),
          locale: vine.string().trim().in(KEYWORD_LOCALES),
          body: vine.string().trim().maxLength(AUTO_REPLY_MAX_LENGTH).optional(),
          enabled: vine.boolean(),
        })
      )
      .maxLength(KEYWORD_LOCALES.length * 2),
  })
)

/**
 * The workspace-wide settings on the same page: timezone (IANA, checked by
 * the action with Luxon), conversation retention and auto-away.
 */
export const conversationSettingsValidator = vine.compile(
  vine.object({
    timezone: vine.string().trim().maxLength(64),
    retentionMonths: vine.number().withoutDecimals(),
    autoAwayMinutes: vine.number().withoutDecimals(),
  })
)
