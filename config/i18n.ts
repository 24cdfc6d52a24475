import app from '@adonisjs/core/services/app'
import { defineConfig, formatters, loaders } from '@adonisjs/i18n'

/**
 * Translations live in resources/lang/<locale>/*.json. English is the
 * fallback for every missing key. Add a locale by adding its folder and
 * listing it in `supportedLocales` (see docs/translating.md).
 */
const i18nConfig = defineConfig({
  defaultLocale: 'en',
  supportedLocales: ['en', 'ar'],
  fallbackLocales: {},
  formatter: formatters.icu(),
  loaders: [
    loaders.fs({
      location: app.languageFilesPath(),
    }),
  ],
})

export default i18nConfig
