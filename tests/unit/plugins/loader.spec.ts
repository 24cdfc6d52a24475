import { test } from '@japa/runner'
import { loadPlugins, runLifecycle, validateManifest } from '#core/plugin_host/loader'
import { PluginRegistry } from '#core/plugin_host/registry'
import { assertOwnTable, PluginTableAccessError } from '#core/plugin_host/context'
import { definePlugin, type PluginDefinition } from '#sdk/plugin'
import { SDK_VERSION } from '#sdk/version'

function plugin(id: string, extra: Partial<PluginDefinition> = {}) {
  return definePlugin({ id, name: `Plugin ${id}`, version: '1.0.0', host: '^1.0.0', ...extra })
}

const ok = (value: unknown) => async () => ({ default: value })

test.group('Plugin loader', () => {
  test('the SDK version satisfies the range scaffolded plugins declare', ({ assert }) => {
    assert.equal(SDK_VERSION, '1.2.0')
  })

  test('a broken manifest is explained field by field', ({ assert }) => {
    assert.deepEqual(validateManifest('x', null), [
      'plugin.ts must default-export definePlugin({...})',
    ])
    const problems = validateManifest('shop', {
      id: 'Shop!',
      version: 'one',
      host: 'whatever',
      register: 'nope',
      contributes: { slots: { 'nowhere.at.all': 'X' }, routes: 'x' },
    })
    assert.include(problems.join('\n'), '"id" must be 2-40 lower-case letters')
    assert.include(problems.join('\n'), '"name" is required')
    assert.include(problems.join('\n'), '"version" must be a semver version')
    assert.include(problems.join('\n'), '"host" must be a semver range')
    assert.include(problems.join('\n'), '"register" must be a function')
    assert.include(problems.join('\n'), 'unknown UI slot "nowhere.at.all"')
    assert.include(problems.join('\n'), '"contributes.routes" must be a function')
    assert.deepEqual(validateManifest('shop', { ...plugin('other') }), [
      '"id" is "other" but config/plugins.ts lists it as "shop"',
    ])
  })

  test('orders by dependsOn and disables what cannot load, with reasons', async ({ assert }) => {
    const registry = new PluginRegistry()
    const calls: string[] = []
    const records = await loadPlugins(
      {
        alpha: ok(
          plugin('alpha', { dependsOn: ['beta'], register: () => void calls.push('alpha') })
        ),
        beta: ok(plugin('beta', { register: () => void calls.push('beta') })),
        orphan: ok(plugin('orphan', { dependsOn: ['ghost'] })),
        future: ok(plugin('future', { host: '^2.0.0' })),
        broken: async () => {
          throw new Error('SyntaxError in plugin.ts')
        },
        invalid: ok({ id: 'invalid' }),
        thrower: ok(
          plugin('thrower', {
            register: () => {
              throw new Error('no API key')
            },
          })
        ),
        child: ok(plugin('child', { dependsOn: ['thrower'] })),
        loop_a: ok(plugin('loop_a', { dependsOn: ['loop_b'] })),
        loop_b: ok(plugin('loop_b', { dependsOn: ['loop_a'] })),
      },
      { registry }
    )
    const byId = Object.fromEntries(records.map((record) => [record.id, record]))

    assert.deepEqual(calls, ['beta', 'alpha'])
    assert.deepEqual(
      registry.loaded().map((record) => record.id),
      ['beta', 'alpha']
    )
    assert.equal(
      byId.orphan.reason,
      'depends on "ghost", which is not installed (add it to config/plugins.ts)'
    )
    assert.equal(byId.future.reason, 'needs SDK ^2.0.0; this Parley provides SDK 1.2.0')
    assert.equal(byId.broken.reason, 'plugin.ts could not be imported: SyntaxError in plugin.ts')
    assert.match(byId.invalid.reason!, /^invalid manifest: .*"name" is required/)
    assert.equal(byId.thrower.reason, 'register() failed: no API key')
    assert.equal(byId.child.reason, 'depends on "thrower", which failed to load')
    assert.match(byId.loop_a.reason!, /dependency cycle: loop_a → loop_b → loop_a|depends on/)
    assert.equal(byId.loop_b.status, 'failed')
    for (const id of [
      'orphan',
      'future',
      'broken',
      'invalid',
      'thrower',
      'child',
      'loop_a',
      'loop_b',
    ]) {
      assert.equal(byId[id].status, 'failed', id)
    }
  })

  test('a throwing boot hook disables that plugin only; ready and shutdown errors are logged', async ({
    assert,
  }) => {
    const registry = new PluginRegistry()
    const seen: string[] = []
    await loadPlugins(
      {
        good: ok(
          plugin('good', {
            boot: () => void seen.push('good.boot'),
            shutdown: () => void seen.push('good.shutdown'),
          })
        ),
        bad: ok(
          plugin('bad', {
            boot: () => {
              throw new Error('cannot reach the provider')
            },
          })
        ),
        late: ok(
          plugin('late', {
            ready: () => {
              throw new Error('late failure')
            },
          })
        ),
      },
      { registry }
    )
    await runLifecycle('boot', new Set(), registry)
    await runLifecycle('ready', new Set(), registry)
    await runLifecycle('shutdown', new Set(), registry)
    assert.equal(registry.get('bad')!.status, 'failed')
    assert.equal(registry.get('bad')!.reason, 'boot() failed: cannot reach the provider')
    assert.equal(registry.get('late')!.status, 'loaded')
    assert.deepEqual(seen, ['good.boot', 'good.shutdown'])
  })

  test('platform-disabled plugins skip their lifecycle hooks', async ({ assert }) => {
    const registry = new PluginRegistry()
    const seen: string[] = []
    await loadPlugins(
      { off: ok(plugin('off', { boot: () => void seen.push('off') })) },
      { registry }
    )
    await runLifecycle('boot', new Set(['off']), registry)
    assert.deepEqual(seen, [])
  })

  test('plugin translations are namespaced under plugins.<id>.', async ({ assert }) => {
    const registry = new PluginRegistry()
    const translations: Record<string, Record<string, string>> = { en: { 'ui.x': 'X' } }
    await loadPlugins(
      {
        tr: ok(
          plugin('tr', {
            contributes: { translations: { en: { title: 'T' }, fr: { title: 'Tf' } } },
          })
        ),
      },
      { registry, translations }
    )
    assert.equal(translations.en['plugins.tr.title'], 'T')
    assert.equal(translations.fr['plugins.tr.title'], 'Tf')
    assert.equal(translations.en['ui.x'], 'X')
  })

  test('ctx.db only reaches the plugin’s own prefixed tables', ({ assert }) => {
    assert.doesNotThrow(() => assertOwnTable('hello', 'hello_notes'))
    assert.doesNotThrow(() => assertOwnTable('hello', 'hello_notes as n'))
    assert.throws(() => assertOwnTable('hello', 'users'), /may only use its own tables/)
    assert.throws(() => assertOwnTable('hello', 'hellox_notes'), PluginTableAccessError as any)
  })
})
