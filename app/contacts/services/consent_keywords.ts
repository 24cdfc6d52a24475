import ConsentKeyword from '#contacts/models/consent_keyword'
import type { ConsentEventKind } from '#contacts/models/consent_event'
import { tenancy } from '#core/tenancy/context'

export type KeywordLanguage = {
  locale: string
  optOut: string[]
  optIn: string[]
  optOutReply: string
  optInReply: string
}

/**
 * Languages offered on the settings page, with the keywords a workspace
 * starts with. Matching ignores case and accents, so `ARRET` also
 * matches `arrêt` and `ايقاف` also matches `إيقاف`.
 */
export const DEFAULT_KEYWORDS: KeywordLanguage[] = [
  {
    locale: 'en',
    optOut: ['STOP', 'UNSUBSCRIBE'],
    optIn: ['START', 'SUBSCRIBE'],
    optOutReply:
      'You will no longer receive marketing messages from us. Reply START to subscribe again.',
    optInReply: 'You are subscribed to our marketing messages again. Reply STOP to unsubscribe.',
  },
  {
    locale: 'fr',
    optOut: ['ARRET', 'DESABONNEMENT'],
    optIn: ['DEMARRER', 'ABONNEMENT'],
    optOutReply:
      'Vous ne recevrez plus nos messages promotionnels. Répondez DEMARRER pour vous réabonner.',
    optInReply: 'Vous recevez de nouveau nos messages promotionnels. Répondez ARRET pour arrêter.',
  },
  {
    locale: 'es',
    optOut: ['BAJA', 'DETENER'],
    optIn: ['ALTA', 'COMENZAR'],
    optOutReply: 'Ya no recibirás nuestros mensajes de marketing. Responde ALTA para volver.',
    optInReply:
      'Vuelves a recibir nuestros mensajes de marketing. Responde BAJA para darte de baja.',
  },
  {
    locale: 'pt',
    optOut: ['PARAR', 'SAIR'],
    optIn: ['VOLTAR', 'INICIAR'],
    optOutReply:
      'Você não receberá mais nossas mensagens de marketing. Responda VOLTAR para voltar.',
    optInReply: 'Você voltou a receber nossas mensagens de marketing. Responda PARAR para sair.',
  },
  {
    locale: 'ar',
    optOut: ['ايقاف', 'الغاء'],
    optIn: ['ابدأ', 'اشتراك'],
    optOutReply: 'لن تتلقى رسائلنا التسويقية بعد الآن. أرسل ابدأ للاشتراك من جديد.',
    optInReply: 'ستتلقى رسائلنا التسويقية من جديد. أرسل ايقاف لإلغاء الاشتراك.',
  },
]

export const KEYWORD_LOCALES = DEFAULT_KEYWORDS.map((language) => language.locale)

/**
 * Upper case, accents and other combining marks removed, inner spaces
 * collapsed, surrounding spaces and punctuation dropped ("Stop!" is STOP).
 */
export function normalizeKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/\u0640/g, '') // Arabic tatweel
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
}

/** A keyword list as typed on the settings page: commas or new lines. */
export function splitKeywords(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,]+/)
        .map((keyword) => keyword.trim())
        .filter(Boolean)
    ),
  ]
}

const cache = new Map<number, { at: number; languages: KeywordLanguage[] }>()
const CACHE_MS = 30_000

/**
 * The workspace's languages: its saved rows, or the defaults when it
 * never saved any. Cached for a few seconds per process (every inbound
 * text is checked); saving clears the cache of this process.
 */
export async function keywordLanguages(): Promise<KeywordLanguage[]> {
  const workspaceId = tenancy.workspaceId()
  const cached = cache.get(workspaceId)
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.languages
  const rows = await ConsentKeyword.query().orderBy('id')
  const languages = rows.length
    ? rows.map((row) => ({
        locale: row.locale,
        optOut: splitKeywords(row.optOutKeywords),
        optIn: splitKeywords(row.optInKeywords),
        optOutReply: row.optOutReply,
        optInReply: row.optInReply,
      }))
    : DEFAULT_KEYWORDS
  cache.set(workspaceId, { at: Date.now(), languages })
  return languages
}

function forgetKeywords(workspaceId: number) {
  cache.delete(workspaceId)
}

/**
 * Replaces the workspace's keyword languages (settings page).
 */
export async function saveKeywordLanguages(languages: KeywordLanguage[]) {
  const workspaceId = tenancy.workspaceId()
  await ConsentKeyword.query().delete()
  await ConsentKeyword.createMany(
    languages.map((language) => ({
      locale: language.locale,
      optOutKeywords: language.optOut.join('\n'),
      optInKeywords: language.optIn.join('\n'),
      optOutReply: language.optOutReply,
      optInReply: language.optInReply,
    }))
  )
  forgetKeywords(workspaceId)
}

export type KeywordMatch = { event: ConsentEventKind; locale: string; reply: string }

/**
 * Whether a whole inbound text is one of the workspace's keywords; the
 * language whose keyword matched gives the confirmation.
 */
export async function matchKeyword(text: string): Promise<KeywordMatch | null> {
  const needle = normalizeKeyword(text)
  if (!needle || needle.length > 64) return null
  for (const language of await keywordLanguages()) {
    const { optOut, optIn } = normalizedOf(language)
    if (optOut.has(needle)) {
      return { event: 'opt_out', locale: language.locale, reply: language.optOutReply }
    }
    if (optIn.has(needle)) {
      return { event: 'opt_in', locale: language.locale, reply: language.optInReply }
    }
  }
  return null
}

/** A language's keywords normalized once (every inbound text is matched against them). */
const normalized = new WeakMap<KeywordLanguage, { optOut: Set<string>; optIn: Set<string> }>()
function normalizedOf(language: KeywordLanguage) {
  let sets = normalized.get(language)
  if (!sets) {
    sets = {
      optOut: new Set(language.optOut.map(normalizeKeyword)),
      optIn: new Set(language.optIn.map(normalizeKeyword)),
    }
    normalized.set(language, sets)
  }
  return sets
}
