import { test } from '@japa/runner'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'
import type { BaseCommand, Kernel } from '@adonisjs/core/ace'
import PluginList from '#core/commands/plugin_list'
import PluginEnable from '#core/commands/plugin_enable'
import PluginDisable from '#core/commands/plugin_disable'
import MakePlugin from '#core/commands/make_plugin'
import { scaffoldPlugin, pluginFiles } from '#core/plugin_host/scaffold'
import { isEnabledOnPlatform } from '#core/plugin_host/state'

test.group('Plugin commands', (group) => {
  let ace: Kernel

  group.setup(async () => {
    ace = await app.container.make('ace')
    ace.ui.switchMode('raw')
    return () => ace.ui.switchMode('normal')
  })

  async function run<T extends typeof BaseCommand>(Command: T, argv: string[]) {
    ace.ui.switchMode('raw')
    const command = await ace.create(Command, argv)
    await command.exec()
    return command
  }

  test('plugin:list prints every installed plugin with its status', async ({ assert }) => {
    const command = await run(PluginList, ['--json'])
    command.assertSucceeded()
    const output = command.ui.logger
      .getLogs()
      .map((log) => log.message)
      .join('\n')
    const list = JSON.parse(output)
    assert.deepInclude(
      list.map((item: any) => [item.id, item.status, item.version]),
      ['hello', 'enabled', '0.1.0']
    )
  })

  test('plugin:disable and plugin:enable switch the platform state', async ({ assert }) => {
    ;(await run(PluginDisable, ['hello', '--reason=Testing'])).assertSucceeded()
    assert.isFalse(await isEnabledOnPlatform('hello'))
    const listed = await run(PluginList, ['--json'])
    const hello = JSON.parse(
      listed.ui.logger
        .getLogs()
        .map((log) => log.message)
        .join('\n')
    ).find((item: any) => item.id === 'hello')
    assert.equal(hello.status, 'disabled')
    assert.equal(hello.reason, 'Testing')
    ;(await run(PluginEnable, ['hello'])).assertSucceeded()
    assert.isTrue(await isEnabledOnPlatform('hello'))

    const unknown = await run(PluginEnable, ['nope'])
    unknown.assertFailed()
    unknown.assertLog('[ red(error) ] No plugin "nope" in config/plugins.ts')
  })

  test('make:plugin scaffolds every file and registers the plugin', async ({ assert }) => {
    const root = await mkdtemp(join(tmpdir(), 'parley-make-plugin-'))
    try {
      await cp(app.makePath('config/plugins.ts'), join(root, 'config/plugins.ts'), {
        recursive: true,
      })
      const written = await scaffoldPlugin(root, 'loyalty', 'Loyalty points')
      assert.deepEqual(written.sort(), [
        'config/plugins.ts',
        'plugins/loyalty/README.md',
        'plugins/loyalty/database/migrations/0001_create_loyalty_notes.ts',
        'plugins/loyalty/plugin.ts',
        'plugins/loyalty/tests/loyalty.spec.ts',
        'plugins/loyalty/ui/pages/index.vue',
      ])
      const config = await readFile(join(root, 'config/plugins.ts'), 'utf8')
      assert.include(config, "loyalty: () => import('../plugins/loyalty/plugin.js'),")
      assert.include(config, "hello: () => import('../plugins/hello/plugin.js'),")
      const manifest = await readFile(join(root, 'plugins/loyalty/plugin.ts'), 'utf8')
      assert.include(manifest, "id: 'loyalty'")
      assert.include(manifest, "name: 'Loyalty points'")

      await assert.rejects(() => scaffoldPlugin(root, 'loyalty'), /already exists/)
      await assert.rejects(() => scaffoldPlugin(root, 'Bad-Id'), /not a valid plugin id/)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  test('make:plugin refuses an invalid id without writing anything', async ({ assert }) => {
    const command = await run(MakePlugin, ['Not Valid'])
    command.assertFailed()
    assert.isFalse(existsSync(app.makePath('plugins/Not Valid')))
    // The scaffold for hello is the one this repository's example started from.
    assert.include(pluginFiles('hello')['plugin.ts'], "id: 'hello'")
  })
})
