import { configApp } from '@adonisjs/eslint-config'

/**
 * AdonisJS preset (TypeScript + Prettier) plus Parley's module boundaries:
 * core never imports a plugin, and plugins reach core only through the
 * SDK (`#sdk/*`). Vue files are checked by vue-tsc (npm run typecheck).
 */
export default configApp(
  { ignores: ['docker/**', 'build/**', 'tmp/**', 'public/**', 'resources/**'] },
  {
    rules: {
      // `(await query).map(...)` reads better here than a throwaway variable.
      '@unicorn/no-await-expression-member': 'off',
    },
  },
  {
    files: ['app/**/*.ts', 'start/**/*.ts', 'config/**/*.ts', 'providers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/plugins/**', '#plugins/*'], message: 'Core must not import plugins.' }] },
      ],
    },
  },
  {
    // The one exception: the list of installed plugins is where core meets
    // them (lazy imports read by providers/plugins_provider.ts).
    files: ['config/plugins.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '#core/*', '#channels/*', '#inbox/*', '#contacts/*', '#templates/*', '#campaigns/*',
                '#automation/*', '#billing/*', '#analytics/*', '#developer/*', '#widget/*',
                '**/app/**',
              ],
              message: 'Plugins reach core only through the SDK (#sdk/*).',
            },
          ],
        },
      ],
    },
  }
)
