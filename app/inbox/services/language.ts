/**
 * A conversation's language from the customer's first text, for skills
 * routing (agent skills such as "ar" or "es"). Conservative: the writing
 * system decides for scripts used by one main language; Latin-script text
 * needs two or more common words of one language and a clear lead over
 * the others. Otherwise null (unknown), never a guess.
 */
const SCRIPTS: [RegExp, string][] = [
  [/[\u0600-\u06FF\u0750-\u077F]/gu, 'ar'],
  [/[\u0590-\u05FF]/gu, 'he'],
  [/[\u0900-\u097F]/gu, 'hi'],
  [/[\u0980-\u09FF]/gu, 'bn'],
  [/[\u0B80-\u0BFF]/gu, 'ta'],
  [/[\u0E00-\u0E7F]/gu, 'th'],
  [/[\u0400-\u04FF]/gu, 'ru'],
  [/[\u0370-\u03FF]/gu, 'el'],
  [/[\u3040-\u30FF]/gu, 'ja'],
  [/[\uAC00-\uD7AF]/gu, 'ko'],
  [/[\u4E00-\u9FFF]/gu, 'zh'],
]

const WORDS: Record<string, string[]> = {
  en: [
    'the',
    'is',
    'my',
    'and',
    'you',
    'hello',
    'hi',
    'please',
    'thanks',
    'what',
    'when',
    'where',
    'have',
    'order',
    'can',
    'with',
    'for',
    'are',
    'do',
    'how',
  ],
  es: [
    'el',
    'la',
    'es',
    'mi',
    'y',
    'hola',
    'gracias',
    'por',
    'favor',
    'que',
    'cuando',
    'donde',
    'pedido',
    'tengo',
    'quiero',
    'con',
    'para',
    'está',
    'buenos',
    'días',
  ],
  pt: [
    'o',
    'é',
    'meu',
    'minha',
    'olá',
    'oi',
    'obrigado',
    'obrigada',
    'por',
    'favor',
    'quando',
    'onde',
    'pedido',
    'tenho',
    'quero',
    'com',
    'para',
    'não',
    'você',
    'bom',
    'dia',
  ],
  fr: [
    'le',
    'la',
    'est',
    'mon',
    'ma',
    'et',
    'bonjour',
    'merci',
    'quand',
    'où',
    'commande',
    'je',
    'veux',
    'avec',
    'pour',
    'vous',
    'pas',
    'ai',
    "s'il",
    'plaît',
  ],
  de: [
    'der',
    'die',
    'das',
    'ist',
    'mein',
    'meine',
    'und',
    'hallo',
    'danke',
    'bitte',
    'wann',
    'wo',
    'bestellung',
    'ich',
    'habe',
    'mit',
    'für',
    'nicht',
    'sie',
    'guten',
  ],
  id: [
    'saya',
    'apa',
    'dan',
    'halo',
    'terima',
    'kasih',
    'tolong',
    'kapan',
    'dimana',
    'pesanan',
    'ini',
    'itu',
    'dengan',
    'untuk',
    'tidak',
    'bisa',
    'sudah',
    'ada',
    'mau',
    'selamat',
  ],
}

export function detectLanguage(text: string | null | undefined): string | null {
  if (!text) return null
  const letters = text.replace(/[\s\p{P}\p{S}\p{N}]/gu, '')
  if (!letters) return null
  const counts = SCRIPTS.map(([pattern, language]) => ({
    language,
    count: letters.match(pattern)?.length ?? 0,
  }))
  const kana = counts.find((entry) => entry.language === 'ja')!.count
  const han = counts.find((entry) => entry.language === 'zh')!.count
  // Japanese mixes kana with kanji: any kana makes CJK text Japanese.
  if (kana + han >= letters.length / 2 && kana + han > 0) return kana > 0 ? 'ja' : 'zh'
  const script = counts.sort((a, b) => b.count - a.count)[0]
  if (script.count >= letters.length / 2) return script.language
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? []
  const scores = Object.entries(WORDS)
    .map(([language, list]) => ({
      language,
      score: words.filter((word) => list.includes(word)).length,
    }))
    .sort((a, b) => b.score - a.score)
  const [best, next] = scores
  if (best.score >= 2 && best.score > next.score) return best.language
  return null
}
