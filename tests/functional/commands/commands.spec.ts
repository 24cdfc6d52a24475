import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import hash from '@adonisjs/core/services/hash'
import type { Kernel } from '@adonisjs/core/ace'
import type { BaseCommand } from '@adonisjs/core/ace'
import User from '#core/models/user'
import Workspace from '#core/models/workspace'
import Role from '#core/models/role'
import Membership from '#core/models/membership'
import AuditLog from '#core/models/audit_log'
import Tag from '#contacts/models/tag'
import { tenancy } from '#core/tenancy/context'
import { createUser } from '#core/actions/create_user'
import { createWorkspace } from '#core/actions/create_workspace'
import UserCreate from '#core/commands/user_create'
import WorkspaceCreate from '#core/commands/workspace_create'
import WorkspaceList from '#core/commands/workspace_list'
import WorkspaceSuspend from '#core/commands/workspace_suspend'
import WorkspaceResume from '#core/commands/workspace_resume'
import ParleyDemo, { DEMO_PASSWORD } from '#core/commands/parley_demo'
import Conversation from '#inbox/models/conversation'
import ParleyBootstrapAdmin from '#core/commands/parley_bootstrap_admin'
import ParleyInstall from '#core/commands/parley_install'

let sequence = 0
/**
 * A suffix unique within this run and across runs (the test database is
 * not truncated between tests).
 */
function unique() {
  sequence += 1
  return `${Date.now().toString(36)}${sequence}`
}

async function makeOwner(prefix = 'owner') {
  return createUser({
    email: `${prefix}-${unique()}@example.test`,
    fullName: 'Test Owner',
    password: 'secret-123',
  })
}

test.group('Ace commands', (group) => {
  let ace: Kernel

  group.setup(async () => {
    ace = await app.container.make('ace')
    ace.ui.switchMode('raw')
    return () => ace.ui.switchMode('normal')
  })

  /**
   * Runs a command in-process with its own, empty, log (raw mode keeps
   * logs in one memory renderer shared by every command of the kernel).
   */
  async function run<T extends typeof BaseCommand>(Command: T, argv: string[]) {
    ace.ui.switchMode('raw')
    const command = await ace.create(Command, argv)
    await command.exec()
    return command
  }

  test('user:create creates a verified user with a hashed password', async ({ assert }) => {
    const email = `jane-${unique()}@example.test`
    const command = await run(UserCreate, [email, '--name=Jane Doe', '--password=secret-123'])

    command.assertSucceeded()
    command.assertLog(`[ green(success) ] Created user ${email}`)
    const user = await User.findByOrFail('email', email)
    assert.equal(user.fullName, 'Jane Doe')
    assert.notOk(user.isSuperAdmin)
    assert.isNotNull(user.emailVerifiedAt)
    assert.notEqual(user.password, 'secret-123')
    assert.isTrue(await hash.verify(user.password!, 'secret-123'))
  })

  test('user:create refuses an existing email and a weak password', async ({ assert }) => {
    const email = `dup-${unique()}@example.test`
    ;(await run(UserCreate, [email, '--name=First', '--password=secret-123'])).assertSucceeded()

    const duplicate = await run(UserCreate, [
      email.toUpperCase(),
      '--name=Second',
      '--password=secret-456',
    ])
    duplicate.assertFailed()
    duplicate.assertLogMatches(/already exists/, 'stderr')
    const users = await User.query().where('email', email)
    assert.lengthOf(users, 1)
    assert.equal(users[0].fullName, 'First')

    const weak = await run(UserCreate, [
      `weak-${unique()}@example.test`,
      '--name=W',
      '--password=nodigits',
    ])
    weak.assertFailed()
    weak.assertLogMatches(/at least one digit/)

    const badEmail = await run(UserCreate, ['not-an-email', '--name=W', '--password=secret-123'])
    badEmail.assertFailed()
    badEmail.assertLogMatches(/not a valid email address/)
  })

  test('user:create --super-admin promotes an existing user and audits it', async ({ assert }) => {
    const user = await makeOwner('promote')
    const command = await run(UserCreate, [user.email, '--super-admin'])

    command.assertSucceeded()
    command.assertLogMatches(/Promoted .* to super admin/)
    await user.refresh()
    assert.isOk(user.isSuperAdmin)
    assert.isTrue(await hash.verify(user.password!, 'secret-123'))
    const row = await AuditLog.query()
      .where('action', 'user.super_admin_granted')
      .where('target_id', user.publicId)
      .firstOrFail()
    assert.isNull(row.actorId)
  })

  test('workspace:create provisions roles, tags and the owner membership', async ({ assert }) => {
    const owner = await makeOwner()
    const slug = `acme-${unique()}`
    const command = await run(WorkspaceCreate, [
      'Acme Inc',
      `--slug=${slug}`,
      `--owner=${owner.email}`,
      '--plan=starter',
      '--timezone=Europe/Paris',
    ])

    command.assertSucceeded()
    command.assertLog(`Slug:   ${slug}`)
    command.assertLog(`URL:    /w/${slug}`)
    const workspace = await Workspace.query().where('slug', slug).preload('plan').firstOrFail()
    assert.equal(workspace.name, 'Acme Inc')
    assert.equal(workspace.plan.slug, 'starter')
    assert.equal(workspace.status, 'active')
    assert.equal(workspace.timezone, 'Europe/Paris')

    const { roles, tags, members } = await tenancy.run(workspace.id, async () => ({
      roles: await Role.query().where('is_system', true),
      tags: await Tag.query(),
      members: await Membership.query().preload('role'),
    }))
    assert.lengthOf(roles, 6)
    assert.sameMembers(
      roles.map((role) => role.key),
      ['owner', 'admin', 'manager', 'marketing', 'sales', 'agent']
    )
    assert.sameMembers(
      tags.map((tag) => tag.name),
      ['Lead', 'Customer', 'VIP', 'Support', 'Sales', 'Complaint', 'Follow-up']
    )
    assert.lengthOf(members, 1)
    assert.equal(members[0].userId, owner.id)
    assert.equal(members[0].role.key, 'owner')
  })

  test('workspace:create rejects bad, reserved and taken slugs', async ({ assert }) => {
    const owner = await makeOwner()

    const invalid = await run(WorkspaceCreate, [
      'Acme',
      '--slug=Bad_Slug!',
      `--owner=${owner.email}`,
    ])
    invalid.assertFailed()
    invalid.assertLogMatches(/Invalid slug "Bad_Slug!"/, 'stderr')

    const reserved = await run(WorkspaceCreate, ['Acme', '--slug=admin', `--owner=${owner.email}`])
    reserved.assertFailed()
    reserved.assertLogMatches(/"admin" is reserved/)

    const slug = `taken-${unique()}`
    ;(
      await run(WorkspaceCreate, ['First', `--slug=${slug}`, `--owner=${owner.email}`])
    ).assertSucceeded()
    const taken = await run(WorkspaceCreate, ['Second', `--slug=${slug}`, `--owner=${owner.email}`])
    taken.assertFailed()
    taken.assertLogMatches(/already taken by workspace "First"/)

    const missingSlug = await run(WorkspaceCreate, ['Acme', `--owner=${owner.email}`])
    missingSlug.assertFailed()
    missingSlug.assertLogMatches(/--slug is required/)

    const workspaces = await Workspace.query().where('slug', slug)
    assert.lengthOf(workspaces, 1)
    assert.equal(workspaces[0].name, 'First')
  })

  test('workspace:create fails when the owner does not exist', async ({ assert }) => {
    const slug = `orphan-${unique()}`
    const command = await run(WorkspaceCreate, [
      'Orphan',
      `--slug=${slug}`,
      '--owner=nobody@example.test',
    ])

    command.assertFailed()
    command.assertLogMatches(/No user with the email nobody@example\.test.*node ace user:create/)
    assert.isNull(await Workspace.findBy('slug', slug))
  })

  test('workspace:suspend and workspace:resume change the status and audit it', async ({
    assert,
  }) => {
    const owner = await makeOwner()
    const workspace = await createWorkspace({
      name: 'Suspendable',
      slug: `susp-${unique()}`,
      owner,
    })
    assert.equal(workspace.status, 'trial')

    const noReason = await run(WorkspaceSuspend, [workspace.slug])
    noReason.assertFailed()
    noReason.assertLogMatches(/--reason is required/)
    await workspace.refresh()
    assert.equal(workspace.status, 'trial')

    const suspend = await run(WorkspaceSuspend, [workspace.slug, '--reason=Unpaid invoice'])
    suspend.assertSucceeded()
    await workspace.refresh()
    assert.equal(workspace.status, 'suspended')
    assert.equal(workspace.suspensionReason, 'Unpaid invoice')
    const suspended = await AuditLog.query()
      .where('workspace_id', workspace.id)
      .where('action', 'workspace.suspended')
      .firstOrFail()
    assert.isNull(suspended.actorId)
    assert.deepEqual(suspended.after, { status: 'suspended', reason: 'Unpaid invoice' })

    const again = await run(WorkspaceSuspend, [workspace.slug, '--reason=Twice'])
    again.assertSucceeded()
    again.assertLogMatches(/already suspended/)

    const resume = await run(WorkspaceResume, [workspace.slug])
    resume.assertSucceeded()
    await workspace.refresh()
    assert.equal(workspace.status, 'trial')
    assert.isNull(workspace.suspensionReason)
    const resumed = await AuditLog.query()
      .where('workspace_id', workspace.id)
      .where('action', 'workspace.resumed')
      .firstOrFail()
    assert.isNull(resumed.actorId)

    const notSuspended = await run(WorkspaceResume, [workspace.slug])
    notSuspended.assertSucceeded()
    notSuspended.assertLogMatches(/is not suspended/)
    const rows = await AuditLog.query()
      .where('workspace_id', workspace.id)
      .whereIn('action', ['workspace.suspended', 'workspace.resumed'])
    assert.lengthOf(rows, 2)
  })

  test('workspace:suspend and workspace:resume fail for an unknown slug', async () => {
    const slug = `missing-${unique()}`
    const suspend = await run(WorkspaceSuspend, [slug, '--reason=Because'])
    suspend.assertFailed()
    suspend.assertLogMatches(new RegExp(`No workspace with the slug "${slug}"`))

    const resume = await run(WorkspaceResume, [slug])
    resume.assertExitCode(1)
    resume.assertLogMatches(/No workspace with the slug/)
  })

  test('workspace:list prints JSON, a table and filters by status', async ({ assert }) => {
    const owner = await makeOwner()
    const created = await createWorkspace({ name: 'Listed', slug: `listed-${unique()}`, owner })
    // Reload: the database stores createdAt to the second.
    const workspace = await Workspace.query().where('id', created.id).preload('plan').firstOrFail()

    const json = await run(WorkspaceList, ['--json'])
    json.assertSucceeded()
    const output = json.logger.getLogs().map((log) => log.message)
    assert.lengthOf(output, 1)
    const listed = JSON.parse(output[0]) as Array<Record<string, unknown>>
    const entry = listed.find((item) => item.slug === workspace.slug)
    assert.deepEqual(entry, {
      slug: workspace.slug,
      name: 'Listed',
      status: 'trial',
      plan: workspace.plan.slug,
      members: 1,
      createdAt: workspace.createdAt.toISO(),
    })

    const table = await run(WorkspaceList, [])
    table.assertSucceeded()
    table.assertTableRows([
      [
        workspace.slug,
        'Listed',
        'trial',
        workspace.plan.name,
        '1',
        workspace.createdAt.toFormat('yyyy-LL-dd HH:mm'),
      ],
    ])

    const active = await run(WorkspaceList, ['--json', '--status=active'])
    const activeSlugs = (
      JSON.parse(active.logger.getLogs()[0].message) as Array<{ slug: string }>
    ).map((item) => item.slug)
    assert.notInclude(activeSlugs, workspace.slug)
    const trial = await run(WorkspaceList, ['--json', '--status=trial'])
    const trialSlugs = (
      JSON.parse(trial.logger.getLogs()[0].message) as Array<{ slug: string }>
    ).map((item) => item.slug)
    assert.include(trialSlugs, workspace.slug)

    const bogus = await run(WorkspaceList, ['--status=bogus'])
    bogus.assertFailed()
    bogus.assertLogMatches(/Unknown --status "bogus"/)
  })

  test('parley:demo is idempotent', async ({ assert }) => {
    const first = await run(ParleyDemo, [])
    first.assertSucceeded()
    const second = await run(ParleyDemo, [])
    second.assertSucceeded()
    second.assertLog('[ blue(info) ] Demo workspace already exists')
    second.assertLogMatches(/owner@demo\.parley\.test \/ parley-demo/)

    const workspaces = await Workspace.query().where('slug', 'demo')
    assert.lengthOf(workspaces, 1)
    assert.equal(workspaces[0].name, 'Acme Demo')
    const members = await tenancy.run(workspaces[0].id, () =>
      Membership.query().preload('user').preload('role')
    )
    assert.lengthOf(members, 3)
    assert.deepEqual(
      Object.fromEntries(members.map((member) => [member.user.email, member.role.key])),
      {
        'owner@demo.parley.test': 'owner',
        'agent@demo.parley.test': 'agent',
        'marketing@demo.parley.test': 'marketing',
      }
    )
    const owner = await User.findByOrFail('email', 'owner@demo.parley.test')
    assert.isNotNull(owner.emailVerifiedAt)
    assert.isTrue(await hash.verify(owner.password!, DEMO_PASSWORD))
    assert.lengthOf(await User.query().where('email', 'like', '%@demo.parley.test'), 3)

    // The inbox has demo conversations, once: two assigned to the agent.
    const agent = await User.findByOrFail('email', 'agent@demo.parley.test')
    const conversations = await tenancy.run(workspaces[0].id, () =>
      Conversation.query().orderBy('id')
    )
    assert.lengthOf(conversations, 4)
    assert.deepEqual(
      conversations.map((conversation) => conversation.assigneeId),
      [agent.id, agent.id, null, null]
    )

    // Demo contacts (valid E.164 numbers), once, and two saved segments that evaluate.
    const { default: Contact } = await import('#contacts/models/contact')
    const { default: Segment } = await import('#contacts/models/segment')
    const { countSegment } = await import('#contacts/segments/compile')
    const { normalizePhone } = await import('#contacts/services/phone')
    const demo = await tenancy.run(workspaces[0].id, async () => {
      const contacts = await Contact.query().where('source', '!=', 'inbound')
      const segments = await Segment.query().orderBy('id')
      const counts = []
      for (const segment of segments) counts.push(await countSegment(segment.definition))
      return { contacts, segments, counts }
    })
    assert.lengthOf(demo.contacts, 30)
    for (const contact of demo.contacts) {
      assert.equal(normalizePhone(contact.phone).e164, contact.phone, contact.phone!)
    }
    assert.lengthOf(demo.segments, 2)
    for (const count of demo.counts) {
      assert.isAbove(count, 0)
      assert.isBelow(count, 30)
    }
  })

  test('parley:bootstrap-admin creates a super admin, then leaves its password alone', async ({
    assert,
  }) => {
    const email = `admin-${unique()}@example.test`
    const created = await run(ParleyBootstrapAdmin, [`--email=${email}`, '--password=first-pass-1'])
    created.assertSucceeded()
    created.assertLog(`[ green(success) ] Created super admin ${email}`)
    const admin = await User.findByOrFail('email', email)
    assert.isOk(admin.isSuperAdmin)
    assert.equal(admin.fullName, 'Platform admin')
    assert.isNotNull(admin.emailVerifiedAt)
    const plans = await (await import('#core/models/plan')).default.query()
    assert.includeMembers(
      plans.map((plan) => plan.slug),
      ['trial', 'starter', 'business']
    )

    const rerun = await run(ParleyBootstrapAdmin, [`--email=${email}`, '--password=second-pass-2'])
    rerun.assertSucceeded()
    rerun.assertLogMatches(/already exists; its password was NOT changed/)
    await admin.refresh()
    assert.isTrue(await hash.verify(admin.password!, 'first-pass-1'))
    assert.isFalse(await hash.verify(admin.password!, 'second-pass-2'))
  })

  test('parley:bootstrap-admin promotes an existing user without changing its password', async ({
    assert,
  }) => {
    const user = await makeOwner('existing')
    const command = await run(ParleyBootstrapAdmin, [
      `--email=${user.email}`,
      '--password=other-pass-9',
    ])

    command.assertSucceeded()
    command.assertLogMatches(/promoted to super admin; its password was NOT changed/)
    await user.refresh()
    assert.isOk(user.isSuperAdmin)
    assert.isTrue(await hash.verify(user.password!, 'secret-123'))
  })

  test('parley:install rejects bad arguments before touching anything', async ({ assert }) => {
    const db = await run(ParleyInstall, ['--no-interaction', '--skip-env', '--db=postgres'])
    db.assertFailed()
    db.assertLogMatches(/Unknown --db "postgres"; use one of: sqlite, mysql/)

    const email = `never-${unique()}@example.test`
    const weak = await run(ParleyInstall, [
      '--no-interaction',
      '--skip-env',
      `--admin-email=${email}`,
      '--admin-password=short1',
    ])
    weak.assertFailed()
    weak.assertLogMatches(/at least 8 characters/)

    const badEmail = await run(ParleyInstall, [
      '--no-interaction',
      '--skip-env',
      '--admin-email=nope',
    ])
    badEmail.assertFailed()
    badEmail.assertLogMatches(/"nope" is not a valid email address/)

    // No migration or bootstrap child process ran: nothing mentions them.
    assert.notOk(weak.logger.getLogs().some((log) => log.message.includes('migrations')))
    assert.isNull(await User.findBy('email', email))
  })
})
