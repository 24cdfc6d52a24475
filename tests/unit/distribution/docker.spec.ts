import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import app from '@adonisjs/core/services/app'

/**
 * No Docker engine runs on CI machines, so the compose file is checked
 * here for what the distribution promises (the `docker compose config`
 * parse runs in .ci/run where the compose plugin exists).
 */
test.group('Docker distribution', () => {
  test('compose runs web, worker, MySQL 8.4 and Redis 7 with AOF on named volumes', async ({
    assert,
  }) => {
    const compose = parse(await readFile(app.makePath('docker/docker-compose.yml'), 'utf8'), {
      merge: true,
    })
    assert.includeMembers(Object.keys(compose.services), ['web', 'worker', 'mysql', 'redis'])
    assert.match(compose.services.mysql.image, /^mysql:8\.4/)
    assert.match(compose.services.redis.image, /^redis:7/)
    assert.include([compose.services.redis.command].flat().join(' '), '--appendonly yes')
    assert.includeMembers(Object.keys(compose.volumes), ['mysql-data', 'redis-data'])
    assert.equal(compose.services.web.environment.DB_CONNECTION, 'mysql')
    assert.equal(compose.services.web.depends_on.mysql.condition, 'service_healthy')
    assert.exists(compose.services.mysql.healthcheck)
  })

  test('the image is multi-stage on Node 22 alpine, non-root, with a health check', async ({
    assert,
  }) => {
    const dockerfile = await readFile(app.makePath('docker/Dockerfile'), 'utf8')
    const stages = dockerfile.match(/^FROM\s+\S+/gim) ?? []
    assert.isAtLeast(stages.length, 2)
    const base = dockerfile.match(/^ARG\s+NODE_IMAGE=(\S+)/m)?.[1] ?? ''
    assert.match(base, /^node:22[\w.-]*alpine/)
    assert.isTrue(stages.every((line) => line.includes('${NODE_IMAGE}')))
    assert.match(dockerfile, /^USER\s+node/m)
    assert.match(dockerfile, /^HEALTHCHECK[\s\S]*\/health/m)
  })

  test('pm2 runs web in cluster mode', async ({ assert }) => {
    const { default: ecosystem } = await import(app.makeURL('docker/ecosystem.config.cjs').href)
    const web = ecosystem.apps.find((entry: { name: string }) => entry.name === 'web')
    assert.equal(web.exec_mode, 'cluster')
  })
})
