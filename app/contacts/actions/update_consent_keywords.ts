import type { Infer } from '@vinejs/vine/types'
import type { consentKeywordsValidator } from '#contacts/validators/consent'
import {
  normalizeKeyword,
  saveKeywordLanguages,
  splitKeywords,
} from '#contacts/services/consent_keywords'
import { fieldError } from '#core/validators/field_error'
import { audit } from '#core/services/audit'
import { tenancy } from '#core/tenancy/context'

/**
 * Saves the workspace's STOP/START keywords. A keyword may mean only one
 * thing across all languages (compared as matched: case and accents
 * ignored); a clash is reported on the field where it reappears.
 */
export async function updateConsentKeywords(
  input: Infer<typeof consentKeywordsValidator>,
  actorId: number | null
) {
  const seen = new Map<string, 'optOut' | 'optIn'>()
  const languages = input.languages.map((language, index) => {
    const lists = { optOut: splitKeywords(language.optOut), optIn: splitKeywords(language.optIn) }
    for (const kind of ['optOut', 'optIn'] as const) {
      for (const keyword of lists[kind]) {
        const key = normalizeKeyword(keyword)
        if (!key) fieldError(`languages.${index}.${kind}`, 'consent_keyword_empty')
        if (key.length > 64) fieldError(`languages.${index}.${kind}`, 'consent_keyword_long')
        const other = seen.get(key)
        if (other && other !== kind) {
          fieldError(`languages.${index}.${kind}`, 'consent_keyword_conflict', { keyword })
        }
        seen.set(key, kind)
      }
    }
    return {
      locale: language.locale,
      optOut: lists.optOut,
      optIn: lists.optIn,
      optOutReply: language.optOutReply,
      optInReply: language.optInReply,
    }
  })
  await saveKeywordLanguages(languages)
  await audit({
    action: 'consent.keywords_updated',
    workspaceId: tenancy.workspaceId(),
    actorId,
    after: { locales: languages.map((language) => language.locale) },
  })
}
