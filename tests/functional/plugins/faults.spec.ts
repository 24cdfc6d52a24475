import { test } from '@japa/runner'
import { rmSync } from 'node:fs'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { MigrationRunner } from '@adonisjs/lucid/migration'
import { pluginRegistry } from '#core/plugin_host/registry'

/**
 * Bad input and faults: each gives a clear message and Parley keeps
 * serving (broken manifests and throwing hooks: tests/unit/plugins;
 * invalid settings and throwing listeners/filters: plugins.spec.ts).
 */
test.group('Plugin faults', () => {
  test('a plugin migration that touches an unprefixed table fails with a message naming the plugin', async ({
    assert,
    client,
  }) => {
    const file = app.makePath('tmp/plugin_faults.sqlite3')
    rmSync(file, { force: true })
    db.manager.add('plugin_faults', {
      client: 'sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      migrations: { paths: ['tests/fixtures/plugins/faulty/database/migrations'] },
    })
    try {
      const migrator = new MigrationRunner(db, app, {
        direction: 'up',
        connectionName: 'plugin_faults',
      })
      await migrator.run()
      assert.equal(migrator.status, 'error')
      assert.match(
        migrator.error!.message,
        /Plugin "faulty" migration .*: table "contacts_copy" must be prefixed "faulty_"/
      )
      const tables = await db.connection('plugin_faults').getAllTables()
      assert.notInclude(tables, 'contacts_copy')
    } finally {
      await db.manager.close('plugin_faults')
      rmSync(file, { force: true })
    }

    // Parley keeps serving.
    const health = await client.get('/health')
    health.assertStatus(200)
  })

  test('every installed plugin loaded (none failed) in this test run', ({ assert }) => {
    const failed = pluginRegistry.all().filter((record) => record.status === 'failed')
    assert.deepEqual(
      failed.map((record) => `${record.id}: ${record.reason}`),
      []
    )
    assert.isTrue(pluginRegistry.isLoaded('hello'))
  })
})
