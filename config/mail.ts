import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, transports } from '@adonisjs/mail'
import type { InferMailers } from '@adonisjs/mail/types'
import { FileTransport } from '#core/mail/file_transport'

const mailConfig = defineConfig({
  default: env.get('MAIL_MAILER', 'file'),
  from: {
    address: env.get('MAIL_FROM_ADDRESS', 'parley@example.com'),
    name: env.get('MAIL_FROM_NAME', 'Parley'),
  },
  mailers: {
    smtp: transports.smtp({
      host: env.get('SMTP_HOST', 'localhost'),
      port: env.get('SMTP_PORT', 587),
      secure: env.get('SMTP_SECURE', false),
      auth: env.get('SMTP_USERNAME')
        ? {
            type: 'login',
            user: env.get('SMTP_USERNAME', ''),
            pass: env.get('SMTP_PASSWORD', ''),
          }
        : undefined,
    }),
    /**
     * Writes every message to tmp/mails as JSON (development and tests).
     */
    file: () => new FileTransport(app.tmpPath('mails')),
  },
})

export default mailConfig

declare module '@adonisjs/mail/types' {
  export interface MailersList extends InferMailers<typeof mailConfig> {}
}
