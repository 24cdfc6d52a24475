import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { localeProblem, normalizeEmail } from '#core/commands/user_create'

/**
 * `node ace workspace:create <name> --slug= --owner=<email> [--plan=] [--timezone=] [--locale=]`
 */
export default class WorkspaceCreate extends BaseCommand {
  static commandName = 'workspace:create'
  static description = 'Create and provision a workspace owned by an existing user'
  static help = [
    'node ace workspace:create "Acme Inc" --slug=acme --owner=jane@example.com --plan=business',
  ]
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Workspace name' })
  declare name: string

  @flags.string({ description: 'URL slug (3-48 lowercase letters, digits and hyphens)' })
  declare slug?: string

  @flags.string({ description: 'Email of the owner (an existing user)' })
  declare owner?: string

  @flags.string({ description: 'Plan slug (default: the trial plan)' })
  declare plan?: string

  @flags.string({ description: 'IANA time zone, e.g. Europe/Paris (default: UTC)' })
  declare timezone?: string

  @flags.string({ description: 'Workspace locale (default: en)' })
  declare locale?: string

  async run() {
    const name = this.name?.trim() ?? ''
    if (name.length < 2 || name.length > 120) {
      return this.fail('The workspace name must be 2 to 120 characters long')
    }

    const slug = this.slug?.trim()
    if (!slug) return this.fail('--slug is required, e.g. --slug=acme')
    const { SLUG_PATTERN, RESERVED_SLUGS } = await import('#core/validators/rules')
    if (!SLUG_PATTERN.test(slug) || slug.includes('--')) {
      return this.fail(
        `Invalid slug "${slug}": use 3 to 48 lowercase letters, digits and single hyphens, starting and ending with a letter or digit`
      )
    }
    if (RESERVED_SLUGS.has(slug)) {
      return this.fail(`The slug "${slug}" is reserved; choose another one`)
    }

    if (!this.owner?.trim()) return this.fail('--owner=<email> is required')
    const ownerEmail = normalizeEmail(this.owner)

    const timezone = this.timezone?.trim() || 'UTC'
    const { IANAZone } = await import('luxon')
    if (!IANAZone.isValidZone(timezone)) {
      return this.fail(`Unknown time zone "${timezone}"; use an IANA name such as Europe/Paris`)
    }
    const locale = this.locale?.trim() || 'en'
    const invalidLocale = await localeProblem(locale)
    if (invalidLocale) return this.fail(invalidLocale)

    const { default: Workspace } = await import('#core/models/workspace')
    const { default: User } = await import('#core/models/user')
    const { default: Plan } = await import('#core/models/plan')
    const { ensureDefaultPlans } = await import('#core/services/default_plans')

    const taken = await Workspace.findBy('slug', slug)
    if (taken) return this.fail(`The slug "${slug}" is already taken by workspace "${taken.name}"`)

    const owner = await User.findBy('email', ownerEmail)
    if (!owner) {
      return this.fail(
        `No user with the email ${ownerEmail}; create one first: node ace user:create ${ownerEmail} --name="..." --password=...`
      )
    }

    await ensureDefaultPlans()
    let plan: InstanceType<typeof Plan> | undefined
    if (this.plan !== undefined) {
      const found = await Plan.findBy('slug', this.plan.trim())
      if (!found) {
        const slugs = (await Plan.query().orderBy('id')).map((row) => row.slug)
        return this.fail(`Unknown plan "${this.plan}"; available: ${slugs.join(', ')}`)
      }
      plan = found
    }

    const { createWorkspace } = await import('#core/actions/create_workspace')
    const workspace = await createWorkspace({ name, slug, owner, plan, timezone, locale })
    await workspace.load('plan')

    this.logger.success(`Created workspace "${workspace.name}"`)
    this.logger.log(`Slug:   ${workspace.slug}`)
    this.logger.log(`Plan:   ${workspace.plan.name} (${workspace.status})`)
    this.logger.log(`Owner:  ${owner.email}`)
    this.logger.log(`URL:    /w/${workspace.slug}`)
  }

  private fail(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}
