import vine from '@vinejs/vine'
import { KEYWORD_LOCALES } from '#contacts/services/consent_keywords'

/**
 * The consent keywords settings form: one entry per language, keywords
 * typed as a comma- or line-separated list.
 */
export const consentKeywordsValidator = vine.compile(
  vine.object({
    languages: vine
      .array(
        vine.object({
          locale: vine.string().trim().in(KEYWORD_LOCALES),
          optOut: vine.string().trim().minLength(1).maxLength(500),
          optIn: vine.string().trim().minLength(1).maxLength(500),
          optOutReply: vine.string().trim().minLength(2).maxLength(1000),
          optInReply: vine.string().trim().minLength(2).maxLength(1000),
        })
      )
      .minLength(1)
      .maxLength(KEYWORD_LOCALES.length)
      .distinct('locale'),
  })
)
