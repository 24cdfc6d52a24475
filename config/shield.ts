import { defineConfig } from '@adonisjs/shield'

export default defineConfig({
  csp: { enabled: false, directives: {}, reportOnly: false },
  csrf: {
    enabled: true,
    // Signed machine webhooks (core and plugins) and Transmit's subscribe
    // calls (each channel authorised by membership, see #core/realtime).
    exceptRoutes: (ctx) =>
      ['/webhooks/', '/hooks/', '/__transmit/'].some((prefix) =>
        ctx.request.url().startsWith(prefix)
      ),
    enableXsrfCookie: true,
    methods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  },
  xFrame: { enabled: true, action: 'DENY' },
  hsts: { enabled: true, maxAge: '180 days' },
  contentTypeSniffing: { enabled: true },
})
