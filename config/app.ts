import proxyAddr from 'proxy-addr'
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
   * Which proxies may set X-Forwarded-For, so request.ip() reports the
   * client for the audit log and the login throttle. Default: loopback and
   * private networks (a reverse proxy on the host or in the compose network).
   */
  trustProxy: proxyAddr.compile(
    env
      .get('TRUSTED_PROXIES', 'loopback,uniquelocal')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
  ),
  cookie: {
    domain: '',
    path: '/',
    maxAge: '2h',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
})
