import { HealthChecks, DiskSpaceCheck, MemoryHeapCheck } from '@adonisjs/core/health'
import { DbCheck } from '@adonisjs/lucid/database'
import db from '@adonisjs/lucid/services/db'
import { redisConfigured } from '#config/redis'

/**
 * Readiness: the database always, Redis when it is configured.
 */
export async function readinessChecks() {
  const checks = new HealthChecks().register([
    new DbCheck(db.connection()),
    new DiskSpaceCheck().warnWhenExceeds(90).failWhenExceeds(98),
    new MemoryHeapCheck().warnWhenExceeds('500 mb').failWhenExceeds('1 gb'),
  ])
  if (redisConfigured) {
    const { RedisCheck } = await import('@adonisjs/redis')
    const redis = (await import('@adonisjs/redis/services/main')).default
    const connection = redis.connection()
    // The connection is lazy: open it so the check sees its real state.
    if (connection.status === 'wait') await connection.ioConnection.connect().catch(() => {})
    checks.append([new RedisCheck(connection)])
  }
  return checks
}
