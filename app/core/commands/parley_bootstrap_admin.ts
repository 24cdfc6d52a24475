import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import {
  auditSuperAdminGrant,
  emailProblem,
  grantSuperAdmin,
  normalizeEmail,
  passwordProblem,
} from '#core/commands/user_create'

/**
 * Environment variable `parley:install` passes the admin password in, so
 * that it does not appear in the child process's command line.
 */
export const BOOTSTRAP_PASSWORD_ENV = 'PARLEY_BOOTSTRAP_ADMIN_PASSWORD'

/**
 * Internal step of `parley:install`, run in a child process once .env
 * exists and the migrations ran: default plans, the permission catalog and
 * the platform super admin. Safe to run again: an existing user is promoted
 * and keeps its password.
 */
export default class ParleyBootstrapAdmin extends BaseCommand {
  static commandName = 'parley:bootstrap-admin'
  static description =
    '(internal, run by parley:install) Default plans, permission catalog and the super admin'
  static options: CommandOptions = { startApp: true }

  @flags.string({
    description: 'Super admin email; without it only plans and permissions are ensured',
  })
  declare email?: string

  @flags.string({ description: 'Super admin password (or env PARLEY_BOOTSTRAP_ADMIN_PASSWORD)' })
  declare password?: string

  @flags.string({ description: 'Super admin full name', default: 'Platform admin' })
  declare name: string

  async run() {
    const password = this.password ?? process.env[BOOTSTRAP_PASSWORD_ENV] ?? undefined
    if (this.email !== undefined) {
      const invalidEmail = emailProblem(this.email)
      if (invalidEmail) return this.fail(invalidEmail)
    }
    if (password !== undefined) {
      const invalidPassword = passwordProblem(password)
      if (invalidPassword) return this.fail(invalidPassword)
    }

    const { ensureDefaultPlans } = await import('#core/services/default_plans')
    const { syncPermissionCatalog } = await import('#core/services/permission_catalog')
    await ensureDefaultPlans()
    await syncPermissionCatalog(true)
    this.logger.success('Default plans and permission catalog are in place')

    if (this.email === undefined) {
      this.logger.warning(
        'No super admin email given; create one with: node ace user:create <email> --name="..." --password=... --super-admin'
      )
      return
    }

    const email = normalizeEmail(this.email)
    const { default: User } = await import('#core/models/user')
    const existing = await User.findBy('email', email)
    if (existing) {
      if (existing.isSuperAdmin) {
        this.logger.warning(`Super admin ${email} already exists; its password was NOT changed`)
      } else {
        await grantSuperAdmin(existing)
        this.logger.warning(
          `User ${email} already existed: promoted to super admin; its password was NOT changed`
        )
      }
      return
    }

    if (password === undefined) {
      return this.fail(`User ${email} does not exist and no password was given to create it`)
    }
    const name = this.name?.trim() || 'Platform admin'
    if (name.length > 120) return this.fail('The admin name must be at most 120 characters long')

    const { createUser } = await import('#core/actions/create_user')
    const user = await createUser({
      email,
      fullName: name,
      password,
      isSuperAdmin: true,
      emailVerified: true,
    })
    await auditSuperAdminGrant(user, 'created')
    this.logger.success(`Created super admin ${user.email}`)
  }

  private fail(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}
