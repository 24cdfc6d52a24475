import { test } from '@japa/runner'
import Membership from '#core/models/membership'
import Invitation from '#core/models/invitation'
import Role from '#core/models/role'
import AuditLog from '#core/models/audit_log'
import User from '#core/models/user'
import { tenancy } from '#core/tenancy/context'
import { mailbox } from '#tests/helpers/mailbox'
import { addMember, makeUser, makeWorkspace, unique } from '#tests/helpers/fixtures'

async function roleId(workspaceId: number, key: string) {
  return tenancy.run(
    workspaceId,
    async () => (await Role.query().where('key', key).firstOrFail()).publicId
  )
}

test.group('Members and invitations', () => {
  test('an owner invites by email; the invitee creates an account and joins with the role', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const email = `${unique('invitee')}@example.test`
    const invite = await client
      .post(`/w/${workspace.slug}/settings/invitations`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', `/w/${workspace.slug}/settings/members`)
      .form({ email, roleId: await roleId(workspace.id, 'agent') })
      .redirects(0)
    invite.assertFlashMessage('success', `Invitation sent to ${email}.`)

    const mail = await mailbox.latestFor(email)
    assert.exists(mail)
    assert.include(mail!.subject, workspace.name)
    const link = mailbox.linkIn(mail!, '/invitations/')

    const page = await client.get(link).withInertia()
    page.assertInertiaComponent('auth/accept_invitation')
    page.assertInertiaPropsContains({
      hasAccount: false,
      invitation: { email, roleName: 'Support agent', status: 'pending' },
    } as any)

    const accept = await client
      .post(`${link}/accept`)
      .withCsrfToken()
      .form({ fullName: 'New Agent', password: 'agent-pass-42' })
      .redirects(0)
    accept.assertHeader('location', `/w/${workspace.slug}`)

    const user = await User.findByOrFail('email', email)
    const membership = await tenancy.run(workspace.id, () =>
      Membership.query().where('user_id', user.id).preload('role').firstOrFail()
    )
    assert.equal(membership.role.key, 'agent')
    const joined = await AuditLog.query()
      .where('action', 'member.joined')
      .where('workspace_id', workspace.id)
      .first()
    assert.exists(joined)

    // The link is spent.
    const again = await client.get(link).withInertia()
    again.assertInertiaPropsContains({ invitation: { status: 'accepted' } } as any)
  })

  test('inviting an existing member or a pending invitee is explained on the field', async ({
    client,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const agentRole = await roleId(workspace.id, 'agent')
    const asMember = await client
      .post(`/w/${workspace.slug}/settings/invitations`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', '/back')
      .form({ email: agent.email, roleId: agentRole })
      .redirects(0)
    asMember.assertFlashMessage('errors', {
      email: [`${agent.email} is already a member of this workspace.`],
    } as any)

    const email = `${unique('twice')}@example.test`
    await client
      .post(`/w/${workspace.slug}/settings/invitations`)
      .loginAs(owner)
      .withCsrfToken()
      .form({ email, roleId: agentRole })
      .redirects(0)
    const twice = await client
      .post(`/w/${workspace.slug}/settings/invitations`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', '/back')
      .form({ email, roleId: agentRole })
      .redirects(0)
    twice.assertFlashMessage('errors', {
      email: [`${email} already has a pending invitation.`],
    } as any)
  })

  test('an expired invitation cannot be accepted', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const email = `${unique('late')}@example.test`
    await client
      .post(`/w/${workspace.slug}/settings/invitations`)
      .loginAs(owner)
      .withCsrfToken()
      .form({ email, roleId: await roleId(workspace.id, 'sales') })
      .redirects(0)
    const link = mailbox.linkIn((await mailbox.latestFor(email))!, '/invitations/')
    await tenancy.run(workspace.id, () =>
      Invitation.query().where('email', email).update({ expiresAt: '2020-01-01 00:00:00' })
    )
    const page = await client.get(link).withInertia()
    page.assertInertiaPropsContains({ invitation: { status: 'expired' } } as any)
    const accept = await client
      .post(`${link}/accept`)
      .withCsrfToken()
      .header('referer', link)
      .form({ fullName: 'Too Late', password: 'late-pass-42' })
      .redirects(0)
    accept.assertStatus(302)
    assert.isNull(await User.findBy('email', email))
  })

  test('a support agent can neither see members nor invite; the server refuses regardless of the UI', async ({
    client,
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')

    const page = await client
      .get(`/w/${workspace.slug}/settings/members`)
      .loginAs(agent)
      .header('accept', 'application/json')
    page.assertStatus(403)

    const shared = await client
      .get(`/w/${workspace.slug}/settings/profile`)
      .loginAs(agent)
      .withInertia()
    shared.assertInertiaPropsContains({
      can: { 'settings.members': false, 'inbox.reply': true },
    } as any)

    const invite = await client
      .post(`/w/${workspace.slug}/settings/invitations`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ email: 'friend@example.test', roleId: await roleId(workspace.id, 'admin') })
    invite.assertStatus(403)
    const invitations = await tenancy.run(workspace.id, () => Invitation.all())
    assert.lengthOf(invitations, 0)
  })

  test('an admin changes a member role and removes a member; both are audited', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const sales = await makeUser()
    const membership = await addMember(workspace, sales, 'sales')

    const change = await client
      .put(`/w/${workspace.slug}/settings/members/${membership.publicId}`)
      .loginAs(owner)
      .withCsrfToken()
      .form({ roleId: await roleId(workspace.id, 'manager') })
      .redirects(0)
    change.assertStatus(302)
    const changed = await AuditLog.query()
      .where('workspace_id', workspace.id)
      .where('action', 'member.role_changed')
      .firstOrFail()
    assert.deepEqual(changed.before, { role: 'Sales' })
    assert.equal(changed.after?.role, 'Manager')
    assert.equal(changed.actorId, owner.id)

    const remove = await client
      .delete(`/w/${workspace.slug}/settings/members/${membership.publicId}`)
      .loginAs(owner)
      .withCsrfToken()
      .redirects(0)
    remove.assertStatus(302)
    const left = await tenancy.run(workspace.id, () =>
      Membership.query().where('user_id', sales.id).first()
    )
    assert.isNull(left)
    assert.exists(
      await AuditLog.query()
        .where('workspace_id', workspace.id)
        .where('action', 'member.removed')
        .first()
    )
  })

  test('an admin cannot remove the owner; nobody can remove themselves', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const admin = await makeUser()
    await addMember(workspace, admin, 'admin')
    const ownerMembership = await tenancy.run(workspace.id, () =>
      Membership.query().where('user_id', owner.id).firstOrFail()
    )
    const response = await client
      .delete(`/w/${workspace.slug}/settings/members/${ownerMembership.publicId}`)
      .loginAs(admin)
      .withCsrfToken()
      .header('accept', 'application/json')
    response.assertStatus(403)
    const self = await client
      .delete(`/w/${workspace.slug}/settings/members/${ownerMembership.publicId}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    self.assertStatus(403)
    assert.exists(await tenancy.run(workspace.id, () => Membership.find(ownerMembership.id)))
  })

  test('the plan member limit stops an invitation with a clear message and notifies the admins', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await workspace.load('plan')
    // The trial plan allows 5 members; fill the workspace.
    for (let index = 0; index < 4; index++) await addMember(workspace, await makeUser(), 'agent')
    const response = await client
      .post(`/w/${workspace.slug}/settings/invitations`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', '/back')
      .form({
        email: `${unique('sixth')}@example.test`,
        roleId: await roleId(workspace.id, 'agent'),
      })
      .redirects(0)
    const error = response.flashMessages().error as string
    assert.match(error, /Trial plan allows 5 members; you have 5 and tried to add 1/)
    assert.match(error, /Upgrade/)
    const { default: Notification } = await import('#core/models/notification')
    const notes = await tenancy.run(workspace.id, () =>
      Notification.query().where('type', 'plan.limit_reached')
    )
    assert.lengthOf(notes, 1)
    assert.equal(notes[0].userId, owner.id)
    const mail = await mailbox.latestFor(owner.email)
    assert.equal(mail?.subject, `${workspace.name} reached a plan limit`)

    // A second refusal the same day does not notify again.
    await client
      .post(`/w/${workspace.slug}/settings/invitations`)
      .loginAs(owner)
      .withCsrfToken()
      .form({
        email: `${unique('seventh')}@example.test`,
        roleId: await roleId(workspace.id, 'agent'),
      })
      .redirects(0)
    const again = await tenancy.run(workspace.id, () =>
      Notification.query().where('type', 'plan.limit_reached')
    )
    assert.lengthOf(again, 1)

    // The owner sees it in the bell and can mark it read.
    const page = await client.get(`/w/${workspace.slug}`).loginAs(owner).withInertia()
    page.assertInertiaPropsContains({ notifications: { unread: 1 } } as any)
    await client
      .post(`/w/${workspace.slug}/notifications/read`)
      .loginAs(owner)
      .withCsrfToken()
      .redirects(0)
    const after = await client.get(`/w/${workspace.slug}`).loginAs(owner).withInertia()
    after.assertInertiaPropsContains({ notifications: { unread: 0 } } as any)
  })
})

test.group('Custom roles', () => {
  test('an admin composes a custom role from the catalog and a member with it gets exactly those rights', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const create = await client
      .post(`/w/${workspace.slug}/settings/roles`)
      .loginAs(owner)
      .withCsrfToken()
      .json({
        name: 'Auditor',
        description: 'Reads the log',
        permissions: ['settings.audit', 'analytics.view'],
      })
      .redirects(0)
    create.assertStatus(302)
    const role = await tenancy.run(workspace.id, () =>
      Role.query().where('name', 'Auditor').preload('grants').firstOrFail()
    )
    assert.sameMembers(role.permissionKeys, ['settings.audit', 'analytics.view'])

    const auditor = await makeUser()
    await tenancy.run(workspace.id, () =>
      Membership.create({ userId: auditor.id, roleId: role.id })
    )
    const log = await client
      .get(`/w/${workspace.slug}/settings/audit`)
      .loginAs(auditor)
      .withInertia()
    log.assertStatus(200)
    log.assertInertiaComponent('settings/audit')
    const members = await client
      .get(`/w/${workspace.slug}/settings/members`)
      .loginAs(auditor)
      .header('accept', 'application/json')
    members.assertStatus(403)
  })

  test('unknown permissions, duplicate names and system roles are refused', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const bad = await client
      .post(`/w/${workspace.slug}/settings/roles`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', '/back')
      .json({ name: 'Hacker', permissions: ['everything.allowed'] })
      .redirects(0)
    assert.include(Object.keys(bad.flashMessages().errors as object), 'permissions.0')

    const duplicate = await client
      .post(`/w/${workspace.slug}/settings/roles`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', '/back')
      .json({ name: 'owner', permissions: [] })
      .redirects(0)
    duplicate.assertFlashMessage('errors', {
      name: ['A role with this name already exists.'],
    } as any)

    const system = await roleId(workspace.id, 'agent')
    const edit = await client
      .put(`/w/${workspace.slug}/settings/roles/${system}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Super agent', permissions: ['billing.manage'] })
    edit.assertStatus(403)
  })

  test('a role in use is not deleted', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const role = await tenancy.run(workspace.id, () =>
      Role.create({ name: 'Temp', isSystem: false })
    )
    const member = await makeUser()
    await tenancy.run(workspace.id, () => Membership.create({ userId: member.id, roleId: role.id }))
    const response = await client
      .delete(`/w/${workspace.slug}/settings/roles/${role.publicId}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', '/back')
      .redirects(0)
    assert.match(response.flashMessages().error as string, /1 member/)
    assert.exists(await tenancy.run(workspace.id, () => Role.find(role.id)))
  })
})
