import i18nManager from '@adonisjs/i18n/services/main'

const RTL_LOCALES = new Set(['ar', 'he', 'fa', 'ur'])

export function directionOf(locale: string): 'rtl' | 'ltr' {
  return RTL_LOCALES.has(locale.split('-')[0]) ? 'rtl' : 'ltr'
}

/**
 * Messages sent to the browser: English first, the locale's translations
 * over it, so a missing key shows English rather than the key.
 */
const cache = new Map<string, Record<string, string>>()

export function clientMessages(locale: string): Record<string, string> {
  const cached = cache.get(locale)
  if (cached) return cached
  const translations = i18nManager.getTranslations()
  const merged = { ...(translations.en ?? {}), ...(translations[locale] ?? {}) }
  cache.set(locale, merged)
  return merged
}
