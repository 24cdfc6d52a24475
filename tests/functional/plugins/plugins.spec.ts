import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import Message from '#inbox/models/message'
import Channel from '#channels/models/channel'
import { sandboxOutbox, sandboxChannelKey } from '#channels/drivers/sandbox_driver'
import { tenancy } from '#core/tenancy/context'
import { makeUser, addMember } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import {
  activatePlugin,
  createTestWorkspace,
  grantPlugin,
  pluginContext,
  setPluginEnabled,
  type TestWorkspace,
} from '#sdk/testing'

/**
 * The plugin system end to end through the `hello` example plugin:
 * enablement levels, routes, settings, slots, listeners, filters and the
 * context methods.
 */

async function inbound(client: any, workspace: TestWorkspace, text: string) {
  await client
    .post(`/w/${workspace.slug}/sandbox/inbound`)
    .loginAs(workspace.owner)
    .withCsrfToken()
    .form({ text })
    .redirects(0)
}

function reply(client: any, workspace: TestWorkspace, text: string) {
  return client
    .post(`/w/${workspace.slug}/sandbox/reply`)
    .loginAs(workspace.owner)
    .withCsrfToken()
    .header('accept', 'application/json')
    .json({ text })
    .redirects(0)
}

async function sandboxKey(workspace: TestWorkspace) {
  const channel = await tenancy.run(workspace.id, () =>
    Channel.query().where('driver', 'sandbox').firstOrFail()
  )
  return sandboxChannelKey(channel.credentials())
}

/** Captures logger.error calls while `callback` runs. */
async function capturingErrors(callback: () => Promise<void>) {
  const calls: unknown[][] = []
  const original = logger.error
  logger.error = ((...args: unknown[]) => {
    calls.push(args)
  }) as typeof logger.error
  try {
    await callback()
  } finally {
    logger.error = original
  }
  return calls
}

test.group('Plugins: enablement', (group) => {
  group.each.teardown(() => setPluginEnabled('hello', true))

  test('routes of a plugin answer 404 until the plan allows it and the workspace activates it', async ({
    client,
  }) => {
    const workspace = await createTestWorkspace()
    const url = `/w/${workspace.slug}/p/hello`
    const get = () => client.get(url).loginAs(workspace.owner).header('accept', 'application/json')

    ;(await get()).assertStatus(404)

    const refused = await client
      .post(`/w/${workspace.slug}/settings/plugins/hello/activate`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    refused.assertStatus(403)
    ;(await get()).assertStatus(404)

    await grantPlugin(workspace, 'hello')
    ;(await get()).assertStatus(404)

    await client
      .post(`/w/${workspace.slug}/settings/plugins/hello/activate`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .redirects(0)
    const page = await client.get(url).loginAs(workspace.owner).withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('plugins/hello/index')

    // The plan loses the feature: the activation no longer counts.
    await grantPlugin(workspace, 'hello', false)
    ;(await get()).assertStatus(404)
  })

  test('a plugin disabled on the platform 404s everywhere, webhooks included', async ({
    client,
  }) => {
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const ping = () => client.post('/hooks/hello/ping').json({ hello: 'world' })
    ;(await ping()).assertBodyContains({ plugin: 'hello', pong: true })

    await setPluginEnabled('hello', false)
    ;(await ping()).assertStatus(404)
    const page = await client
      .get(`/w/${workspace.slug}/p/hello`)
      .loginAs(workspace.owner)
      .header('accept', 'application/json')
    page.assertStatus(404)

    await setPluginEnabled('hello', true)
    ;(await ping()).assertStatus(200)
  })

  test('the super admin disables and enables a plugin and chooses its plans', async ({
    client,
    assert,
  }) => {
    const admin = await makeUser({ isSuperAdmin: true })
    const workspace = await createTestWorkspace()
    const list = await client.get('/admin/plugins').loginAs(admin).withInertia()
    list.assertInertiaComponent('admin/plugins')
    const hello = (list.inertiaProps as any).plugins.find((p: any) => p.id === 'hello')
    assert.equal(hello.status, 'loaded')
    assert.isTrue(hello.enabled)

    await client
      .post('/admin/plugins/hello/disable')
      .loginAs(admin)
      .withCsrfToken()
      .form({ reason: 'Maintenance' })
      .redirects(0)
    const after = await client.get('/admin/plugins').loginAs(admin).withInertia()
    const disabled = (after.inertiaProps as any).plugins.find((p: any) => p.id === 'hello')
    assert.isFalse(disabled.enabled)
    assert.equal(disabled.disabledReason, 'Maintenance')
    await client.post('/admin/plugins/hello/enable').loginAs(admin).withCsrfToken().redirects(0)

    const { default: WorkspaceModel } = await import('#core/models/workspace')
    const model = await WorkspaceModel.findOrFail(workspace.id)
    await client
      .put('/admin/plugins/hello/plans')
      .loginAs(admin)
      .withCsrfToken()
      .json({ plans: [model.planId] })
      .redirects(0)
    await activatePlugin(workspace, 'hello')
    const page = await client
      .get(`/w/${workspace.slug}/p/hello`)
      .loginAs(workspace.owner)
      .withInertia()
    page.assertStatus(200)

    const notAdmin = await client
      .post('/admin/plugins/hello/disable')
      .loginAs(workspace.owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    assert.notEqual(notAdmin.status(), 200)
    assert.notEqual(notAdmin.status(), 302)
  })

  test('editing a plan in Admin → Plans keeps the plugins it allows', async ({
    client,
    assert,
  }) => {
    const admin = await makeUser({ isSuperAdmin: true })
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const { default: WorkspaceModel } = await import('#core/models/workspace')
    const { default: Plan } = await import('#core/models/plan')
    const plan = await Plan.findOrFail((await WorkspaceModel.findOrFail(workspace.id)).planId)
    await client
      .put(`/admin/plans/${plan.id}`)
      .loginAs(admin)
      .withCsrfToken()
      .json({
        name: 'Renamed plan',
        features: { qr_channels: false, campaigns: true, flows: false, api: false },
        maxMembers: 5,
        maxChannels: 2,
        maxContacts: null,
        maxMessagesPerMonth: null,
        maxStorageMb: null,
      })
      .redirects(0)
    await plan.refresh()
    assert.equal(plan.name, 'Renamed plan')
    assert.deepEqual(plan.features, {
      'qr_channels': false,
      'campaigns': true,
      'flows': false,
      'api': false,
      'plugin:hello': true,
    } as any)
  })

  test('activation needs settings.workspace; an agent cannot activate', async ({ client }) => {
    const workspace = await createTestWorkspace({ grantOnly: ['hello'] })
    const agent = await makeUser()
    const { default: WorkspaceModel } = await import('#core/models/workspace')
    await addMember(await WorkspaceModel.findOrFail(workspace.id), agent, 'agent')
    const response = await client
      .post(`/w/${workspace.slug}/settings/plugins/hello/activate`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
    response.assertStatus(403)

    const list = await client
      .get(`/w/${workspace.slug}/settings/plugins`)
      .loginAs(workspace.owner)
      .withInertia()
    list.assertInertiaComponent('settings/plugins')
    list.assertInertiaPropsContains({
      plugins: [{ id: 'hello', allowed: true, active: false, hasSettings: true }],
    })
  })
})

test.group('Plugins: UI contributions', () => {
  test('sidebar item and dashboard slot are shared only where the plugin is active', async ({
    client,
    assert,
  }) => {
    const active = await createTestWorkspace({ plugins: ['hello'] })
    const inactive = await createTestWorkspace()
    const on = await client.get(`/w/${active.slug}`).loginAs(active.owner).withInertia()
    const plugins = (on.inertiaProps as any).pluginUi
    assert.deepEqual(plugins.nav, [
      { plugin: 'hello', label: 'plugins.hello.nav', path: '/p/hello', icon: 'puzzle' },
    ])
    assert.deepEqual(plugins.slots['dashboard.widgets'], [
      { plugin: 'hello', component: 'hello/HelloWidget' },
    ])
    assert.equal((on.inertiaProps as any).messages['plugins.hello.widget.title'], 'Hello plugin')

    const off = await client.get(`/w/${inactive.slug}`).loginAs(inactive.owner).withInertia()
    assert.deepEqual((off.inertiaProps as any).pluginUi, {
      nav: [],
      slots: {},
      channel: `workspaces/${inactive.publicId}`,
    })
  })

  test('a plugin page reads its own tables through ctx.db, per workspace', async ({
    client,
    assert,
  }) => {
    const a = await createTestWorkspace({ plugins: ['hello'] })
    const b = await createTestWorkspace({ plugins: ['hello'] })
    await client
      .post(`/w/${a.slug}/p/hello/notes`)
      .loginAs(a.owner)
      .withCsrfToken()
      .form({ body: 'Only for A' })
      .redirects(0)
    const pageA = await client.get(`/w/${a.slug}/p/hello`).loginAs(a.owner).withInertia()
    const pageB = await client.get(`/w/${b.slug}/p/hello`).loginAs(b.owner).withInertia()
    assert.deepEqual(
      (pageA.inertiaProps as any).notes.map((note: any) => note.body),
      ['Only for A']
    )
    assert.deepEqual((pageB.inertiaProps as any).notes, [])
  })
})

test.group('Plugins: settings', () => {
  test('the form never carries a secret; secrets are encrypted at rest', async ({
    client,
    assert,
  }) => {
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const update = await client
      .put(`/w/${workspace.slug}/settings/plugins/hello`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .json({
        greeting: 'Hi there',
        apiKey: 'sk-live-very-secret',
        tone: 'formal',
        blockKeyword: true,
      })
      .redirects(0)
    update.assertStatus(302)

    const row = await db
      .from('plugin_activations')
      .where('workspace_id', workspace.id)
      .where('plugin_id', 'hello')
      .firstOrFail()
    assert.notInclude(row.settings, 'sk-live-very-secret')
    assert.include(row.settings, 'Hi there')

    const form = await client
      .get(`/w/${workspace.slug}/settings/plugins/hello`)
      .loginAs(workspace.owner)
      .withInertia()
    form.assertInertiaComponent('settings/plugin_settings')
    assert.notInclude(JSON.stringify(form.inertiaProps), 'sk-live-very-secret')
    const fields = Object.fromEntries(
      (form.inertiaProps as any).fields.map((field: any) => [field.key, field])
    )
    assert.equal(fields.apiKey.kind, 'secret')
    assert.isTrue(fields.apiKey.isSet)
    assert.isNull(fields.apiKey.value)
    assert.equal(fields.greeting.value, 'Hi there')
    assert.isTrue(fields.blockKeyword.value)

    // An empty secret keeps the stored one.
    await client
      .put(`/w/${workspace.slug}/settings/plugins/hello`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .json({ greeting: 'Hello again', apiKey: '', tone: 'friendly' })
      .redirects(0)
    const ctx = await pluginContext('hello')
    const settings = await ctx.settings.get<Record<string, unknown>>(workspace.id)
    assert.equal(settings.apiKey, 'sk-live-very-secret')
    assert.equal(settings.greeting, 'Hello again')
    assert.equal(settings.tone, 'friendly')
    assert.isFalse(settings.blockKeyword)
  })

  test('invalid settings are refused field by field and nothing is stored', async ({
    client,
    assert,
  }) => {
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const response = await client
      .put(`/w/${workspace.slug}/settings/plugins/hello`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ greeting: 'x'.repeat(81), tone: 'loud' })
    response.assertStatus(422)
    const fields = (response.body().errors as any[]).map((error) => error.field).sort()
    assert.deepEqual(fields, ['greeting', 'tone'])

    const missing = await client
      .put(`/w/${workspace.slug}/settings/plugins/hello`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ greeting: 'ok' })
    missing.assertStatus(422)
    assert.equal((missing.body().errors as any[])[0].field, 'tone')

    const ctx = await pluginContext('hello')
    const settings = await ctx.settings.get<Record<string, unknown>>(workspace.id)
    assert.isNull(settings.greeting)
  })
})

test.group('Plugins: listeners and outbound filters', () => {
  test('a listener sees inbound messages of active workspaces only', async ({ client, assert }) => {
    const active = await createTestWorkspace({ plugins: ['hello'] })
    const inactive = await createTestWorkspace({ grantOnly: ['hello'] })
    await inbound(client, active, 'Hi from a customer')
    await inbound(client, inactive, 'Hi elsewhere')
    await drainQueue()
    const seen = await db.from('hello_events').whereIn('workspace_id', [active.id, inactive.id])
    assert.deepEqual(
      seen.map((row) => [Number(row.workspace_id), row.event]),
      [[active.id, 'message_received']]
    )
  })

  test('a filter rewrites the outbound text (the reply signature)', async ({ client, assert }) => {
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const ctx = await pluginContext('hello')
    await ctx.settings.update(workspace.id, { signature: 'Acme team', tone: 'friendly' })
    await inbound(client, workspace, 'When do you open?')
    ;(await reply(client, workspace, 'At nine.')).assertStatus(302)
    await drainQueue()
    const key = await sandboxKey(workspace)
    const sent = sandboxOutbox.last(key)!
    assert.deepEqual(sent.message.content, { type: 'text', text: 'At nine.\n— Acme team' })
    const stored = await tenancy.run(workspace.id, () =>
      Message.query().where('direction', 'out').firstOrFail()
    )
    assert.equal(stored.body, 'At nine.\n— Acme team')
  })

  test('a filter cancels a message with the plugin’s reason; nothing is queued', async ({
    client,
    assert,
  }) => {
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const ctx = await pluginContext('hello')
    await ctx.settings.update(workspace.id, { tone: 'friendly', blockKeyword: true })
    await inbound(client, workspace, 'Hello?')
    const response = await reply(client, workspace, 'This is #blocked')
    response.assertStatus(422)
    response.assertBodyContains({ errors: [{ code: 'E_OUTBOUND_CANCELLED', plugin: 'hello' }] })
    const outbound = await tenancy.run(workspace.id, () =>
      Message.query().where('direction', 'out')
    )
    assert.lengthOf(outbound, 0)
  })

  test('a throwing filter or listener is logged with the plugin id; the core action completes', async ({
    client,
    assert,
  }) => {
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const ctx = await pluginContext('hello')
    ctx.outbound.filter((draft) => {
      if (draft.workspaceId === workspace.id) throw new Error('filter exploded')
    })
    ctx.events.on('inbox:message_received', (event) => {
      if (event.workspaceId === workspace.id) throw new Error('listener exploded')
    })

    const errors = await capturingErrors(async () => {
      await inbound(client, workspace, 'Are you there?')
      await drainQueue()
      ;(await reply(client, workspace, 'Yes!')).assertStatus(302)
      await drainQueue()
    })

    const messages = await tenancy.run(workspace.id, () => Message.query().orderBy('id'))
    assert.deepEqual(
      messages.map((message) => [message.direction, message.body, message.status]),
      [
        ['in', 'Are you there?', 'received'],
        ['out', 'Yes!', 'sent'],
      ]
    )
    const logged = errors.map(([context, text]) => [(context as any)?.plugin, text])
    assert.deepInclude(logged, [
      'hello',
      'plugin hello: outbound filter failed; message sent without it',
    ])
    assert.deepInclude(logged, [
      'hello',
      'plugin hello: listener for inbox:message_received failed',
    ])
  })
})

test.group('Plugins: context', () => {
  test('ctx.inbox.ingest records once; ctx.contacts.upsert finds or creates', async ({
    assert,
  }) => {
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const ctx = await pluginContext('hello')
    const channel = await tenancy.run(workspace.id, () =>
      Channel.query().where('driver', 'sandbox').firstOrFail()
    )
    const input = {
      workspaceId: workspace.id,
      channelId: channel.id,
      message: {
        providerMessageId: `plugin.${workspace.publicId}.1`,
        from: { waId: '15550009999', profileName: 'Pat' },
        type: 'text',
        body: 'Sent through a plugin connector',
        timestamp: Math.floor(Date.now() / 1000),
      },
    }
    const first = await ctx.inbox.ingest(input)
    const again = await ctx.inbox.ingest(input)
    assert.isTrue(first.created)
    assert.isFalse(again.created)
    assert.equal(again.messageId, first.messageId)

    const contact = await ctx.contacts.upsert({
      workspaceId: workspace.id,
      waId: '15550009999',
      name: 'Pat Lee',
    })
    assert.isFalse(contact.created)
    const created = await ctx.contacts.upsert({ workspaceId: workspace.id, phone: '+15550001111' })
    assert.isTrue(created.created)

    const channels = await ctx.channels.list('sandbox')
    assert.isTrue(
      channels.some((item) => item.id === channel.id && item.workspaceId === workspace.id)
    )
  })

  test('ctx.db refuses tables that are not the plugin’s own', async ({ assert }) => {
    const ctx = await pluginContext('hello')
    assert.throws(() => ctx.db.from('users'), /may only use its own tables/)
    assert.throws(() => ctx.db.table('plugin_installs'), /may only use its own tables/)
    await assert.rejects(
      () => ctx.tenant.run(1, async () => ctx.db.tenant('contacts')),
      /own tables/
    )
  })
})
