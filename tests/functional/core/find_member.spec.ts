import { test } from '@japa/runner'
import Membership from '#core/models/membership'
import Role from '#core/models/role'
import RolePermission from '#core/models/role_permission'
import { tenancy } from '#core/tenancy/context'
import { findMemberWithRole, findWorkspaceMember } from '#core/queries/find_member'
import Workspace from '#core/models/workspace'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'

/** What the workspace middleware used to load with three statements. */
async function preloaded(workspaceId: number, userId: number) {
  return tenancy.run(workspaceId, () =>
    Membership.query()
      .where('user_id', userId)
      .preload('role', (role) => role.preload('grants'))
      .first()
  )
}

test.group('Workspace middleware: workspace and member lookup in one statement', () => {
  test('same membership, role and permissions as the preloaded models', async ({ assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const agent = await makeUser()
    const custom = await makeUser()
    await addMember(workspace, agent, 'agent')
    await tenancy.run(workspace.id, async () => {
      const role = await Role.create({ name: 'Night shift', isSystem: false })
      await RolePermission.createMany([
        { roleId: role.id, permission: 'inbox.view' },
        { roleId: role.id, permission: 'contacts.export' },
      ])
      const empty = await Role.create({ name: 'Nothing yet', isSystem: false })
      await Membership.create({ userId: custom.id, roleId: role.id })
      const idle = await makeUser()
      await Membership.create({ userId: idle.id, roleId: empty.id })
      const found = await findMemberWithRole(workspace.id, idle.id)
      assert.deepEqual(found!.role.permissionKeys, [])
      assert.equal(found!.role.name, 'Nothing yet')
    })

    for (const user of [owner, agent, custom]) {
      const expected = (await preloaded(workspace.id, user.id))!
      const found = (await findMemberWithRole(workspace.id, user.id))!
      assert.deepEqual(
        JSON.parse(JSON.stringify(found.$attributes)),
        JSON.parse(JSON.stringify(expected.$attributes))
      )
      assert.deepEqual(
        JSON.parse(JSON.stringify(found.role.$attributes)),
        JSON.parse(JSON.stringify(expected.role.$attributes))
      )
      assert.equal(found.id, expected.id)
      assert.equal(found.roleId, expected.roleId)
      assert.equal(found.role.id, expected.role.id)
      assert.equal(found.role.key, expected.role.key)
      assert.equal(found.role.isSystem, expected.role.isSystem)
      assert.sameMembers(found.role.permissionKeys, expected.role.permissionKeys)
      assert.isTrue(found.$isPersisted)
    }
    assert.isAbove(
      (await findMemberWithRole(workspace.id, owner.id))!.role.permissionKeys.length,
      20
    )
  })

  test('a user of another workspace is not found', async ({ assert }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    assert.isNull(await findMemberWithRole(a.workspace.id, b.owner.id))
    assert.isNotNull(await findMemberWithRole(b.workspace.id, b.owner.id))
  })

  test('workspace, plan and membership together, as the separate look-ups give them', async ({
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const stranger = (await makeWorkspace()).owner
    const expected = await Workspace.query()
      .where('slug', workspace.slug)
      .preload('plan')
      .firstOrFail()
    const plain = (value: any) => JSON.parse(JSON.stringify(value.$attributes))

    for (const user of [owner, agent]) {
      const found = (await findWorkspaceMember(workspace.slug, user.id))!
      assert.deepEqual(plain(found.workspace), plain(expected))
      assert.deepEqual(plain(found.workspace.plan), plain(expected.plan))
      assert.equal(found.workspace.plan.name, expected.plan.name)
      assert.deepEqual(found.workspace.plan.features, expected.plan.features)
      assert.isTrue(found.workspace.$isPersisted)
      const member = (await findMemberWithRole(workspace.id, user.id))!
      assert.deepEqual(plain(found.membership!), plain(member))
      assert.deepEqual(plain(found.membership!.role), plain(member.role))
      assert.sameMembers(found.membership!.role.permissionKeys, member.role.permissionKeys)
      assert.isAbove(found.membership!.role.permissionKeys.length, 0)
    }
    const outsider = (await findWorkspaceMember(workspace.slug, stranger.id))!
    assert.equal(outsider.workspace.id, workspace.id)
    assert.isNull(outsider.membership)
    assert.isNull(await findWorkspaceMember('no-such-workspace', owner.id))
  })
})
