import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Role from '#core/models/role'
import Membership from '#core/models/membership'
import Tag from '#contacts/models/tag'
import { tenancy } from '#core/tenancy/context'
import AuditLog from '#core/models/audit_log'
import { makeWorkspace } from '#tests/helpers/fixtures'

test.group('Tenancy mixin', () => {
  test('a tenant-owned query with no workspace context throws', async ({ assert }) => {
    await assert.rejects(() => Role.query().exec(), /without a workspace context/)
    await assert.rejects(() => Tag.all(), /without a workspace context/)
    await assert.rejects(
      () => Tag.create({ name: 'x', color: 'red' }),
      /without a workspace context/
    )
  })

  test('reads are filtered to the current workspace', async ({ assert }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const tagsA = await tenancy.run(a.workspace.id, () => Tag.all())
    const tagsB = await tenancy.run(b.workspace.id, () => Tag.all())
    // Contacts' default tags plus the inbox's predefined ones.
    assert.lengthOf(tagsA, 7)
    assert.isTrue(tagsA.every((tag) => tag.workspaceId === a.workspace.id))
    assert.isTrue(tagsB.every((tag) => tag.workspaceId === b.workspace.id))

    // Relationship queries and preloads are scoped too.
    const roleOfA = await tenancy.run(a.workspace.id, () =>
      Role.query().where('key', 'owner').firstOrFail()
    )
    const grantsSeenFromB = await tenancy.run(b.workspace.id, () =>
      roleOfA.related('grants').query()
    )
    assert.lengthOf(grantsSeenFromB, 0)

    // find() by primary key cannot reach another workspace.
    assert.isNull(await tenancy.run(b.workspace.id, () => Role.find(roleOfA.id)))
  })

  test('inserts are stamped; a foreign workspace id is refused', async ({ assert }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const tag = await tenancy.run(a.workspace.id, () =>
      Tag.create({ name: 'Stamped', color: 'red' })
    )
    assert.equal(tag.workspaceId, a.workspace.id)
    await assert.rejects(
      () =>
        tenancy.run(a.workspace.id, () =>
          Tag.create({ name: 'Sneaky', color: 'red', workspaceId: b.workspace.id })
        ),
      /Refusing to insert/
    )
  })

  test('updates and deletes of another workspace row are refused', async ({ assert }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const tag = await tenancy.run(a.workspace.id, () => Tag.query().firstOrFail())
    tag.name = 'Changed from B'
    await assert.rejects(() => tenancy.run(b.workspace.id, () => tag.save()), /another workspace/)
    await assert.rejects(() => tenancy.run(b.workspace.id, () => tag.delete()), /another workspace/)
    // Bulk updates through the query builder only touch the current workspace.
    const touched = await tenancy.run(b.workspace.id, () => Tag.query().update({ color: 'black' }))
    assert.equal(Number(Array.isArray(touched) ? touched[0] : touched), 7)
    const colorsOfA = await tenancy.run(a.workspace.id, () => Tag.query().select('color'))
    assert.notInclude(
      colorsOfA.map((row) => row.color),
      'black'
    )
  })

  test('the database refuses a membership pointing at another workspace role', async ({
    assert,
  }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const roleOfB = await tenancy.run(b.workspace.id, () =>
      Role.query().where('key', 'agent').firstOrFail()
    )
    await assert.rejects(() =>
      db.table('memberships').insert({
        public_id: '01TESTCOMPOSITEFK00000000',
        workspace_id: a.workspace.id,
        user_id: a.owner.id,
        role_id: roleOfB.id,
        created_at: new Date(),
        updated_at: new Date(),
      })
    )
    const memberships = await tenancy.run(a.workspace.id, () => Membership.all())
    assert.lengthOf(memberships, 1)
  })

  test('crossTenant() lifts the filter and writes an audit row', async ({ assert }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const before = await AuditLog.query()
      .where('action', 'tenancy.cross_tenant')
      .count('* as total')
    const owners = await tenancy.crossTenant(
      { actorId: a.owner.id, reason: 'test: list owners' },
      () =>
        Role.query().where('key', 'owner').whereIn('workspace_id', [a.workspace.id, b.workspace.id])
    )
    assert.lengthOf(owners, 2)
    const after = await AuditLog.query().where('action', 'tenancy.cross_tenant').count('* as total')
    assert.equal(Number(after[0].$extras.total), Number(before[0].$extras.total) + 1)
    await assert.rejects(
      () => tenancy.crossTenant({ actorId: null, reason: ' ' }, async () => 1),
      /reason/
    )
  })
})
