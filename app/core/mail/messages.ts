import mail from '@adonisjs/mail/services/main'
import i18nManager from '@adonisjs/i18n/services/main'
import { appUrl } from '#config/app'

function escape(value: string) {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/**
 * One transactional email: a paragraph and a button, in the recipient's
 * language. Keys live in resources/lang/<locale>/mail.json.
 */
export async function sendActionMail(options: {
  to: string
  locale: string
  key: 'password_reset' | 'verify_email' | 'invitation' | 'plan_limit'
  params?: Record<string, string | number>
  path: string
}) {
  const i18n = i18nManager.locale(i18nManager.getSupportedLocaleFor(options.locale) ?? 'en')
  const params = options.params ?? {}
  const subject = i18n.t(`mail.${options.key}.subject`, params)
  const body = i18n.t(`mail.${options.key}.body`, params)
  const action = i18n.t(`mail.${options.key}.action`, params)
  const url = `${appUrl}${options.path}`
  const dir = ['ar', 'he', 'fa', 'ur'].includes(i18n.locale) ? 'rtl' : 'ltr'
  await mail.send((message) => {
    message
      .to(options.to)
      .subject(subject)
      .text(`${body}\n\n${action}: ${url}\n`)
      .html(
        `<div dir="${dir}" style="font-family:sans-serif;max-width:560px">` +
          `<p>${escape(body)}</p>` +
          `<p><a href="${escape(url)}" style="background:#059669;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escape(action)}</a></p>` +
          `<p style="color:#64748b;font-size:12px">${escape(url)}</p></div>`
      )
  })
}
