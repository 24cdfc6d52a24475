import { test } from '@japa/runner'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const LANG = join(process.cwd(), 'resources/lang')

function flatten(value: unknown, prefix = '', into: Record<string, string> = {}) {
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry && typeof entry === 'object') flatten(entry, `${prefix}${key}.`, into)
    else into[`${prefix}${key}`] = String(entry)
  }
  return into
}

function catalog(locale: string, file: string) {
  return flatten(JSON.parse(readFileSync(join(LANG, locale, file), 'utf8')))
}

test.group('Translations', () => {
  test('every English message has an Arabic one and the other way round', ({ assert }) => {
    const files = readdirSync(join(LANG, 'en')).filter((file) => file.endsWith('.json'))
    assert.isAbove(files.length, 5)
    for (const file of files) {
      const en = Object.keys(catalog('en', file)).sort()
      const ar = Object.keys(catalog('ar', file)).sort()
      assert.deepEqual(ar, en, `resources/lang/ar/${file} differs from en`)
    }
  })

  test('every campaign notification type the server creates has a message in both languages', ({
    assert,
  }) => {
    const sources = ['app/campaigns/services/notify.ts', 'app/campaigns/dispatch/progress.ts']
    const types = new Set<string>()
    for (const source of sources) {
      const text = readFileSync(join(process.cwd(), source), 'utf8')
      // The `type: 'a' | 'b'` unions of the notifying functions.
      for (const line of text.split('\n').filter((entry) => /^\s*type: '/.test(entry))) {
        for (const match of line.matchAll(/'(campaigns?\.[a-z_]+)'/g)) types.add(match[1])
      }
    }
    assert.isAtLeast(types.size, 6)
    for (const locale of ['en', 'ar']) {
      const messages = catalog(locale, 'ui.json')
      for (const type of types) {
        assert.isString(messages[`notifications.types.${type}`], `${locale}: ${type}`)
      }
    }
  })
})
