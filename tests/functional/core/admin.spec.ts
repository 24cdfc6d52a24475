import { test } from '@japa/runner'
import Plan from '#core/models/plan'
import AuditLog from '#core/models/audit_log'
import { makeUser, makeWorkspace } from '#tests/helpers/fixtures'

test.group('Platform admin', () => {
  test('the admin panel is invisible to non super admins', async ({ client, assert }) => {
    const { owner } = await makeWorkspace()
    const response = await client
      .get('/admin/workspaces')
      .loginAs(owner)
      .header('accept', 'application/json')
    response.assertStatus(404)
    assert.exists(
      await AuditLog.query()
        .where('action', 'security.admin_denied')
        .where('actor_id', owner.id)
        .first()
    )
  })

  test('lists and searches workspaces', async ({ client, assert }) => {
    const admin = await makeUser({ isSuperAdmin: true })
    const { workspace } = await makeWorkspace()
    const response = await client
      .get(`/admin/workspaces?q=${workspace.slug}`)
      .loginAs(admin)
      .withInertia()
    response.assertInertiaComponent('admin/workspaces')
    const props = response.inertiaProps as any
    assert.lengthOf(props.workspaces.data, 1)
    assert.equal(props.workspaces.data[0].slug, workspace.slug)
    assert.equal(props.workspaces.data[0].membersCount, 1)
  })

  test('suspending a workspace locks its members out with the reason; resuming lets them back', async ({
    client,
    assert,
  }) => {
    const admin = await makeUser({ isSuperAdmin: true })
    const { workspace, owner } = await makeWorkspace()
    const suspend = await client
      .post(`/admin/workspaces/${workspace.publicId}/suspend`)
      .loginAs(admin)
      .withCsrfToken()
      .form({ reason: 'Unpaid invoice' })
      .redirects(0)
    suspend.assertStatus(302)
    await workspace.refresh()
    assert.equal(workspace.status, 'suspended')

    const locked = await client.get(`/w/${workspace.slug}`).loginAs(owner).withInertia()
    locked.assertStatus(423)
    locked.assertInertiaComponent('errors/suspended')
    locked.assertInertiaPropsContains({ reason: 'Unpaid invoice' })

    await client
      .post(`/admin/workspaces/${workspace.publicId}/resume`)
      .loginAs(admin)
      .withCsrfToken()
      .redirects(0)
    const open = await client.get(`/w/${workspace.slug}`).loginAs(owner).withInertia()
    open.assertStatus(200)
    open.assertInertiaComponent('workspace/dashboard')

    const actions = (await AuditLog.query().where('workspace_id', workspace.id).orderBy('id')).map(
      (row) => row.action
    )
    assert.includeMembers(actions, ['workspace.suspended', 'workspace.resumed'])
    const suspended = await AuditLog.query()
      .where('workspace_id', workspace.id)
      .where('action', 'workspace.suspended')
      .firstOrFail()
    assert.equal(suspended.actorId, admin.id)
    assert.deepEqual(suspended.after, { status: 'suspended', reason: 'Unpaid invoice' })
  })

  test('a super admin edits a plan limit and the audit log records before and after', async ({
    client,
    assert,
  }) => {
    const admin = await makeUser({ isSuperAdmin: true })
    const plan = await Plan.findByOrFail('slug', 'starter')
    const response = await client
      .put(`/admin/plans/${plan.id}`)
      .loginAs(admin)
      .withCsrfToken()
      .json({
        name: 'Starter',
        features: { qr_channels: false, campaigns: true, flows: true, api: false },
        maxMembers: 4,
        maxChannels: 1,
        maxContacts: 5000,
        maxMessagesPerMonth: 10000,
        maxStorageMb: null,
      })
      .redirects(0)
    response.assertStatus(302)
    await plan.refresh()
    assert.equal(plan.maxMembers, 4)
    assert.isNull(plan.maxStorageMb)
    assert.isTrue(plan.hasFeature('flows'))
    const entry = await AuditLog.query()
      .where('action', 'plan.updated')
      .orderBy('id', 'desc')
      .firstOrFail()
    assert.equal(entry.before?.maxMembers, 3)
    assert.equal(entry.after?.maxMembers, 4)
  })

  test('the admin reads a workspace members through an audited crossing', async ({
    client,
    assert,
  }) => {
    const admin = await makeUser({ isSuperAdmin: true })
    const { workspace, owner } = await makeWorkspace()
    const response = await client
      .get(`/admin/workspaces/${workspace.publicId}`)
      .loginAs(admin)
      .withInertia()
    response.assertInertiaComponent('admin/workspace')
    assert.deepEqual((response.inertiaProps as any).members, [
      { fullName: owner.fullName, email: owner.email, role: 'Owner' },
    ])
    const crossing = await AuditLog.query()
      .where('action', 'tenancy.cross_tenant')
      .where('workspace_id', workspace.id)
      .firstOrFail()
    assert.equal(crossing.actorId, admin.id)
  })

  test('the platform audit log filters by workspace and action', async ({ client, assert }) => {
    const admin = await makeUser({ isSuperAdmin: true })
    const { workspace } = await makeWorkspace()
    const response = await client
      .get(`/admin/audit?workspace=${workspace.slug}&action=workspace.created`)
      .loginAs(admin)
      .withInertia()
    const entries = (response.inertiaProps as any).entries
    assert.equal(entries.meta.total, 1)
    assert.equal(entries.data[0].workspace.slug, workspace.slug)
    assert.equal(entries.data[0].action, 'workspace.created')
  })
})

test.group('Health', () => {
  test('liveness and readiness answer without a session', async ({ client, assert }) => {
    const live = await client.get('/health')
    live.assertStatus(200)
    live.assertBodyContains({ status: 'ok' })
    const ready = await client.get('/health/ready')
    ready.assertStatus(200)
    assert.isTrue(ready.body().isHealthy)
    const names: string = ready
      .body()
      .checks.map((check: { name: string }) => check.name)
      .join(',')
    assert.include(names, 'Database')
    assert.include(names, 'Disk space')
    // .ci/run repeats the suite with Redis configured; then Redis is checked too.
    if (process.env.REDIS_HOST) assert.include(names, 'Redis')
  })
})
