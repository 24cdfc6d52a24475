import env from '#start/env'
import { defineConfig } from '@adonisjs/transmit'
import { redis } from '@adonisjs/transmit/transports'

/**
 * Realtime over Server-Sent Events. One process: in memory. Several
 * processes (web × N, worker): set REDIS_HOST and broadcasts travel over
 * Redis pub/sub so every process's subscribers receive them.
 */
const redisHost = env.get('REDIS_HOST')

const transmitConfig = defineConfig({
  pingInterval: '30s',
  transport: redisHost
    ? {
        driver: redis({
          host: redisHost,
          port: env.get('REDIS_PORT', 6379),
          password: env.get('REDIS_PASSWORD') || undefined,
          keyPrefix: 'transmit:',
        }),
      }
    : null,
})

export default transmitConfig
