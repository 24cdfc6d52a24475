import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import vine from '@vinejs/vine'
import type User from '#core/models/user'

/*
| Application code is imported inside `run()`, never at the top of a
| command file: ace imports every file of this folder to list the commands,
| before the app is booted (and, for `parley:install`, before a .env exists).
*/

/**
 * Argument checks shared by the Parley commands (exported from here because
 * every file in app/core/commands must be a command).
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

export function emailProblem(email: string | undefined): string | null {
  if (!email || !email.trim()) return 'An email address is required'
  if (email.trim().length > 254 || !vine.helpers.isEmail(email.trim())) {
    return `"${email}" is not a valid email address`
  }
  return null
}

export function passwordProblem(password: string | undefined): string | null {
  if (!password) return 'A password is required'
  if (password.length < 8) return 'The password must be at least 8 characters long'
  if (password.length > 128) return 'The password must be at most 128 characters long'
  if (!/\d/.test(password)) return 'The password must contain at least one digit'
  return null
}

/**
 * Locales Parley has translations for (config/i18n.ts `supportedLocales`).
 */
export async function localeProblem(locale: string): Promise<string | null> {
  const { default: i18nManager } = await import('@adonisjs/i18n/services/main')
  const supported = i18nManager.supportedLocales()
  return supported.includes(locale)
    ? null
    : `Unknown locale "${locale}"; supported: ${supported.join(', ')}`
}

/**
 * `node ace user:create <email> --name= --password= [--super-admin] [--locale=]`
 */
export default class UserCreate extends BaseCommand {
  static commandName = 'user:create'
  static description = 'Create a user; --super-admin makes (or promotes) a platform super admin'
  static help = [
    'node ace user:create jane@example.com --name="Jane Doe" --password=secret-123',
    'node ace user:create jane@example.com --super-admin   (promotes an existing user)',
  ]
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Email address (the login)' })
  declare email: string

  @flags.string({ description: 'Full name' })
  declare name?: string

  @flags.string({ description: 'Password: at least 8 characters, with a digit' })
  declare password?: string

  @flags.boolean({ description: 'Platform super admin; promotes the user when the email exists' })
  declare superAdmin?: boolean

  @flags.string({ description: 'Interface locale (default: en)' })
  declare locale?: string

  async run() {
    const invalidEmail = emailProblem(this.email)
    if (invalidEmail) return this.fail(invalidEmail)
    const email = normalizeEmail(this.email)

    const { default: User } = await import('#core/models/user')
    const existing = await User.findBy('email', email)
    if (existing) {
      if (!this.superAdmin) {
        return this.fail(
          `A user with the email ${email} already exists (add --super-admin to promote it to super admin)`
        )
      }
      if (this.password) this.logger.warning('The password of an existing user is left unchanged')
      if (existing.isSuperAdmin) {
        this.logger.info(`${email} is already a super admin; nothing changed`)
        return
      }
      await grantSuperAdmin(existing)
      this.logger.success(`Promoted ${email} to super admin`)
      return
    }

    const name = this.name?.trim()
    if (!name) return this.fail('--name is required to create a user')
    if (name.length > 120) return this.fail('--name must be at most 120 characters long')
    const invalidPassword = passwordProblem(this.password)
    if (invalidPassword) return this.fail(`${invalidPassword} (--password)`)
    const locale = this.locale?.trim() || 'en'
    const invalidLocale = await localeProblem(locale)
    if (invalidLocale) return this.fail(invalidLocale)

    const { createUser } = await import('#core/actions/create_user')
    const user = await createUser({
      email,
      fullName: name,
      password: this.password!,
      locale,
      isSuperAdmin: this.superAdmin === true,
      emailVerified: true,
    })
    if (user.isSuperAdmin) await auditSuperAdminGrant(user, 'created')
    this.logger.success(`Created ${user.isSuperAdmin ? 'super admin' : 'user'} ${user.email}`)
  }

  private fail(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}

/**
 * Makes `user` a platform super admin and writes the audit row. Also used
 * by `parley:bootstrap-admin`.
 */
export async function grantSuperAdmin(user: User) {
  user.isSuperAdmin = true
  await user.save()
  await auditSuperAdminGrant(user, 'promoted')
}

export async function auditSuperAdminGrant(user: User, how: 'created' | 'promoted') {
  const { audit } = await import('#core/services/audit')
  await audit({
    action: 'user.super_admin_granted',
    workspaceId: null,
    actorId: null,
    target: { type: 'user', id: user.publicId },
    after: { isSuperAdmin: true, via: `cli.${how}` },
  })
}
