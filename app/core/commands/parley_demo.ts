import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * The demo workspace and its logins (documented in docs/self-hosting.md and
 * printed by install.sh). The password is deliberately simple and skips the
 * password-strength rule: it is a published demo login.
 */
export const DEMO_WORKSPACE = { name: 'Acme Demo', slug: 'demo', plan: 'business' }
export const DEMO_PASSWORD = 'parley-demo'
export const DEMO_USERS = [
  { email: 'owner@demo.parley.test', fullName: 'Demo Owner', role: 'owner' },
  { email: 'agent@demo.parley.test', fullName: 'Demo Agent', role: 'agent' },
  { email: 'marketing@demo.parley.test', fullName: 'Demo Marketing', role: 'marketing' },
] as const

/**
 * `node ace parley:demo`: seeds the demo workspace. Idempotent: missing
 * pieces are added, existing ones are left as they are.
 */
export default class ParleyDemo extends BaseCommand {
  static commandName = 'parley:demo'
  static description = 'Create the demo workspace "Acme Demo" (/w/demo) and its three logins'
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Also run when NODE_ENV=production (the demo logins are public)' })
  declare force?: boolean

  async run() {
    if (this.app.inProduction && !this.force) {
      this.logger.error(
        'Refusing to create the demo workspace in production: its logins are public. Use --force if you really want it.'
      )
      this.exitCode = 1
      return
    }

    const { default: User } = await import('#core/models/user')
    const { default: Workspace } = await import('#core/models/workspace')
    const { default: Plan } = await import('#core/models/plan')
    const { default: Membership } = await import('#core/models/membership')
    const { default: Role } = await import('#core/models/role')
    const { createUser } = await import('#core/actions/create_user')
    const { createWorkspace } = await import('#core/actions/create_workspace')
    const { ensureDefaultPlans } = await import('#core/services/default_plans')
    const { tenancy } = await import('#core/tenancy/context')

    await ensureDefaultPlans()

    const users = new Map<string, InstanceType<typeof User>>()
    for (const demoUser of DEMO_USERS) {
      const user =
        (await User.findBy('email', demoUser.email)) ??
        (await createUser({
          email: demoUser.email,
          fullName: demoUser.fullName,
          password: DEMO_PASSWORD,
          emailVerified: true,
        }))
      users.set(demoUser.role, user)
    }
    const owner = users.get('owner')!

    let workspace = await Workspace.findBy('slug', DEMO_WORKSPACE.slug)
    if (workspace) {
      // Never add public logins to a real workspace that happens to use the slug.
      const ownsIt = await tenancy.run(workspace.id, async () => {
        const membership = await Membership.query()
          .where('user_id', owner.id)
          .preload('role')
          .first()
        return membership?.role.key === 'owner'
      })
      if (!ownsIt) {
        this.logger.error(
          `A workspace with the slug "${DEMO_WORKSPACE.slug}" exists and is not the demo workspace; leaving it alone`
        )
        this.exitCode = 1
        return
      }
      this.logger.info('Demo workspace already exists')
    } else {
      const plan = (await Plan.findBy('slug', DEMO_WORKSPACE.plan)) ?? undefined
      workspace = await createWorkspace({
        name: DEMO_WORKSPACE.name,
        slug: DEMO_WORKSPACE.slug,
        owner,
        plan,
      })
      this.logger.success(`Created the demo workspace "${workspace.name}"`)
    }

    const demoWorkspace = workspace
    await tenancy.run(demoWorkspace.id, async () => {
      for (const demoUser of DEMO_USERS) {
        const user = users.get(demoUser.role)!
        const member = await Membership.query().where('user_id', user.id).first()
        if (member) continue
        const role = await Role.query().where('key', demoUser.role).firstOrFail()
        await Membership.create({ userId: user.id, roleId: role.id })
      }
    })

    // A few conversations so the inbox has something to show.
    const { seedDemoInbox } = await import('#inbox/demo')
    const conversations = await tenancy.run(demoWorkspace.id, () =>
      seedDemoInbox({ agentId: users.get('agent')!.id, ownerId: owner.id })
    )
    if (conversations) this.logger.success(`Added ${conversations} demo conversations to the inbox`)

    // Contacts with custom fields, tags and consent, and two saved segments.
    const { seedDemoContacts } = await import('#contacts/demo')
    const contacts = await tenancy.run(demoWorkspace.id, () => seedDemoContacts(owner.id))
    if (contacts) this.logger.success(`Added ${contacts} demo contacts and two segments`)

    this.logger.log('')
    this.logger.log(`Demo workspace: /w/${DEMO_WORKSPACE.slug}`)
    for (const demoUser of DEMO_USERS) {
      this.logger.log(`  ${demoUser.role.padEnd(10)} ${demoUser.email} / ${DEMO_PASSWORD}`)
    }
  }
}
