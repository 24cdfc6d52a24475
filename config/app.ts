import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { Secret } from '@adonisjs/core/helpers'
import { defineConfig } from '@adonisjs/core/http'

/**
 * APP_KEY encrypts cookies, sessions and every secret Parley stores.
 */
export const appKey = new Secret(env.get('APP_KEY'))

export const appUrl = env.get('APP_URL', `http://${env.get('HOST')}:${env.get('PORT')}`)

export const http = defineConfig({
  generateRequestId: true,
  allowMethodSpoofing: true,
  useAsyncLocalStorage: true,
  /**
   * Behind a reverse proxy (the compose stack, most resellers) trust it
   * so request.ip() reports the client address for the audit log.
   */
  trustProxy: () => true,
  cookie: {
    domain: '',
    path: '/',
    maxAge: '2h',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
})
