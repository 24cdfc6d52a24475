import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import env from '#start/env'
import Channel from '#channels/models/channel'
import MessageTemplate from '#templates/models/message_template'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { createMetaSimulator, type MetaSimulator } from '#channels/simulator/index'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import type Workspace from '#core/models/workspace'
import type User from '#core/models/user'
import { GraphError } from '#channels/meta/graph_client'
import { templateGraphError } from '#templates/services/meta_templates'
import type { TemplateException } from '#templates/exceptions'
import type { TemplateComponent } from '#templates/types'

/**
 * Template management end to end against the Meta simulator: submit,
 * lifecycle webhooks through the signed webhook endpoint, sync, edit and
 * delete under Meta's limits, resumable upload, permissions.
 */

const TOKEN = 'sim-token-templates-0123456789'
const graphPort = Number(new URL(env.get('META_GRAPH_URL') ?? 'http://127.0.0.1:3399').port)

const BODY: TemplateComponent = {
  type: 'BODY',
  text: 'Hello {{1}}, your order {{2}} has shipped today.',
  example: { body_text: [['Sara', 'A-1001']] },
}

function templatePayload(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    language: 'en_US',
    category: 'UTILITY',
    components: [BODY, { type: 'FOOTER', text: 'Acme Shop' }],
    ...extra,
  }
}

test.group('Templates: Meta management', (group) => {
  let simulator: MetaSimulator
  const phoneNumberId = `17${Date.now()}`
  const wabaId = `27${Date.now()}`

  group.setup(async () => {
    simulator = createMetaSimulator({
      port: graphPort,
      appSecret: 'test-meta-app-secret',
      appId: env.get('META_APP_ID') ?? 'test-app-id',
      webhookUrl: `http://127.0.0.1:${process.env.PORT}/webhooks/meta`,
      accessTokens: [TOKEN],
      numbers: [
        {
          phoneNumberId,
          wabaId,
          displayPhoneNumber: '15550007777',
          verifiedName: 'Acme',
          qualityRating: 'GREEN',
        },
      ],
      autoStatuses: false,
    })
    await simulator.start()
    return () => simulator.stop()
  })

  let shared: Promise<{ workspace: Workspace; owner: User; channel: Channel }> | null = null
  function setup() {
    shared ??= (async () => {
      const { workspace, owner } = await makeWorkspace()
      const channel = await tenancy.run(workspace.id, () =>
        Channel.create({
          driver: 'meta_cloud',
          name: 'Main',
          phoneNumberId,
          wabaId,
          accessToken: TOKEN,
          webhookKey: newWebhookKey(),
          status: 'connected',
          settings: {},
        })
      )
      return { workspace, owner, channel }
    })()
    return shared
  }

  async function local(workspace: Workspace, name: string) {
    return tenancy.run(workspace.id, () => MessageTemplate.findByOrFail('name', name))
  }

  async function submitted(client: any, name: string, extra: Record<string, unknown> = {}) {
    const { workspace, owner } = await setup()
    const response = await client
      .post(`/w/${workspace.slug}/templates`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json(templatePayload(name, { submit: true, ...extra }))
    response.assertStatus(201)
    const remote = [...simulator.state.templates.values()].find((t) => t.name === name)!
    return { response, remote }
  }

  /** Meta's webhook for a template, through the signed endpoint, then the worker. */
  async function webhook(field: string, value: Record<string, unknown>) {
    await simulator.deliver(
      {
        object: 'whatsapp_business_account',
        entry: [{ id: wabaId, time: Math.floor(Date.now() / 1000), changes: [{ field, value }] }],
      },
      { field }
    )
    await drainQueue()
  }

  test('submit: validated, sent to Meta, PENDING in the simulator and locally', async ({
    client,
    assert,
  }) => {
    const { workspace } = await setup()
    const { response, remote } = await submitted(client, 'order_shipped')
    assert.equal(response.body().status, 'PENDING')
    assert.exists(remote, 'the simulator received the template')
    assert.equal(remote.status, 'PENDING')
    assert.equal(remote.category, 'UTILITY')
    assert.deepEqual((remote.components[0] as any).example, { body_text: [['Sara', 'A-1001']] })
    const template = await local(workspace, 'order_shipped')
    assert.equal(template.metaTemplateId, remote.id)
    assert.equal(template.wabaId, wabaId)
    assert.isNotNull(template.submittedAt)
  })

  test('a draft is saved without Meta, and submitted later', async ({ client, assert }) => {
    const { workspace, owner } = await setup()
    const created = await client
      .post(`/w/${workspace.slug}/templates`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json(templatePayload('draft_first'))
    created.assertStatus(201)
    assert.equal(created.body().status, 'DRAFT')
    assert.isUndefined(
      [...simulator.state.templates.values()].find((t) => t.name === 'draft_first')
    )
    const sent = await client
      .post(`/w/${workspace.slug}/templates/${created.body().id}/submit`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    sent.assertStatus(200)
    assert.equal(sent.body().status, 'PENDING')
    assert.exists([...simulator.state.templates.values()].find((t) => t.name === 'draft_first'))
  })

  test('an invalid template is refused with issues at the faulty component', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await setup()
    const response = await client
      .post(`/w/${workspace.slug}/templates`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json(
        templatePayload('broken_one', {
          submit: true,
          components: [
            { type: 'BODY', text: '{{1}} is here', example: { body_text: [['x']] } },
            { type: 'FOOTER', text: 'Hi {{1}}' },
          ],
        })
      )
    response.assertStatus(422)
    const errors = response.body().errors as any[]
    assert.deepInclude(
      errors.map((e) => [e.component, e.rule]),
      ['body', 'variable_at_edge']
    )
    assert.deepInclude(
      errors.map((e) => [e.component, e.rule]),
      ['footer', 'footer_variables']
    )
    assert.isUndefined([...simulator.state.templates.values()].find((t) => t.name === 'broken_one'))
  })

  test('status webhooks: APPROVED, REJECTED with reason, PAUSED, DISABLED', async ({
    client,
    assert,
  }) => {
    const { workspace } = await setup()
    const { remote } = await submitted(client, 'lifecycle_one')

    await simulator.state.setTemplateStatus(remote.id, 'APPROVED')
    await drainQueue()
    assert.equal((await local(workspace, 'lifecycle_one')).status, 'APPROVED')

    await webhook('message_template_status_update', {
      event: 'REJECTED',
      message_template_id: Number(remote.id),
      message_template_name: 'lifecycle_one',
      message_template_language: 'en_US',
      reason: 'INVALID_FORMAT',
      rejection_info: { reason: 'Variables are not clear', recommendation: 'Add context' },
    })
    let template = await local(workspace, 'lifecycle_one')
    assert.equal(template.status, 'REJECTED')
    assert.equal(template.rejectedReason, 'INVALID_FORMAT')
    assert.include(template.rejectionDetail!, 'Variables are not clear')

    await webhook('message_template_status_update', {
      event: 'PAUSED',
      message_template_id: Number(remote.id),
      message_template_name: 'lifecycle_one',
      message_template_language: 'en_US',
      reason: null,
      other_info: { title: 'SECOND_PAUSE', description: 'Low quality' },
    })
    template = await local(workspace, 'lifecycle_one')
    assert.equal(template.status, 'PAUSED')
    assert.equal(template.pauseReason, 'SECOND_PAUSE')
    const hours = template.pausedUntil!.diff(DateTime.utc(), 'hours').hours
    assert.isAbove(hours, 5.9)
    assert.isBelow(hours, 6.01)

    await webhook('message_template_status_update', {
      event: 'DISABLED',
      message_template_id: Number(remote.id),
      message_template_name: 'lifecycle_one',
      message_template_language: 'en_US',
      reason: null,
      disable_info: { disable_date: 1767225600 },
    })
    template = await local(workspace, 'lifecycle_one')
    assert.equal(template.status, 'DISABLED')
    assert.isNull(template.pausedUntil)
    assert.equal(template.disableDate!.toUTC().toISODate(), '2026-01-01')
  })

  test('a status webhook reaches every workspace holding the template', async ({
    client,
    assert,
  }) => {
    const { workspace } = await setup()
    const { remote } = await submitted(client, 'shared_waba')
    // Another workspace manages the same WABA (by name and language, no Meta id yet).
    const other = await makeWorkspace()
    await tenancy.run(other.workspace.id, () =>
      MessageTemplate.create({
        wabaId,
        name: 'shared_waba',
        language: 'en_US',
        category: 'UTILITY',
        parameterFormat: 'positional',
        components: [BODY],
        status: 'PENDING',
        approvedEdits: [],
      })
    )
    await simulator.state.setTemplateStatus(remote.id, 'REJECTED', 'PROMOTIONAL')
    await drainQueue()
    assert.equal((await local(workspace, 'shared_waba')).status, 'REJECTED')
    const copy = await local(other.workspace, 'shared_waba')
    assert.equal(copy.status, 'REJECTED')
    assert.equal(copy.rejectedReason, 'PROMOTIONAL')
    assert.equal(copy.metaTemplateId, remote.id, 'the Meta id is learnt from the webhook')
  })

  test('quality (routed by shape too) and category webhooks', async ({ client, assert }) => {
    const { workspace } = await setup()
    const { remote } = await submitted(client, 'quality_one')
    // Meta's own sample names the wrong field; the value's shape decides.
    await webhook('message_template_status_update', {
      previous_quality_score: 'UNKNOWN',
      new_quality_score: 'YELLOW',
      message_template_id: Number(remote.id),
      message_template_name: 'quality_one',
      message_template_language: 'en_US',
    })
    let template = await local(workspace, 'quality_one')
    assert.equal(template.qualityScore, 'YELLOW')
    assert.equal(template.status, 'PENDING', 'a quality update is not a status change')

    await webhook('template_category_update', {
      message_template_id: Number(remote.id),
      message_template_name: 'quality_one',
      message_template_language: 'en_US',
      correct_category: 'MARKETING',
      new_category: 'MARKETING',
      category_update_timestamp: 1767225600,
    })
    template = await local(workspace, 'quality_one')
    assert.equal(template.pendingCategory, 'MARKETING')
    assert.equal(template.category, 'UTILITY')
    assert.equal(template.categoryChangeAt!.toUTC().toISODate(), '2026-01-01')

    await webhook('template_category_update', {
      message_template_id: Number(remote.id),
      message_template_name: 'quality_one',
      message_template_language: 'en_US',
      previous_category: 'UTILITY',
      new_category: 'MARKETING',
    })
    template = await local(workspace, 'quality_one')
    assert.equal(template.category, 'MARKETING')
    assert.isNull(template.pendingCategory)
  })

  test('sync now picks up templates made in Meta and marks vanished ones', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await setup()
    const { remote } = await submitted(client, 'will_vanish')
    for (let i = 0; i < 120; i++) {
      simulator.state.addTemplate({
        wabaId,
        name: `made_in_meta_${String(i).padStart(3, '0')}`,
        language: 'en_US',
        category: 'MARKETING',
        status: i === 0 ? 'REJECTED' : 'APPROVED',
        components: [{ type: 'BODY', text: `Offer number ${i} for you` }],
      })
    }
    simulator.state.templates.delete(remote.id)
    const response = await client
      .post(`/w/${workspace.slug}/templates/sync`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    response.assertStatus(200)
    assert.isAtLeast(response.body().created, 120, 'two pages of 100 were read')
    assert.isAtLeast(response.body().removed, 1)

    const synced = await tenancy.run(workspace.id, () =>
      MessageTemplate.query().where('name', 'like', 'made_in_meta_%')
    )
    assert.lengthOf(synced, 120)
    const first = synced.find((t) => t.name === 'made_in_meta_000')!
    assert.equal(first.status, 'REJECTED')
    assert.equal(synced.find((t) => t.name === 'made_in_meta_119')!.status, 'APPROVED')
    assert.equal((await local(workspace, 'will_vanish')).status, 'DELETED')

    const list = await client
      .get(`/w/${workspace.slug}/templates`)
      .qs({ q: 'made_in_meta_11', status: 'APPROVED' })
      .loginAs(owner)
      .header('accept', 'application/json')
    list.assertStatus(200)
    assert.lengthOf(list.body().templates, 10)
  })

  test("edits follow Meta's limits", async ({ client, assert }) => {
    const { workspace, owner } = await setup()
    const { response, remote } = await submitted(client, 'edit_limits')
    const id = response.body().id
    const edit = (components: unknown[], category = 'UTILITY') =>
      client
        .put(`/w/${workspace.slug}/templates/${id}`)
        .loginAs(owner)
        .withCsrfToken()
        .header('accept', 'application/json')
        .json(templatePayload('edit_limits', { components, category }))

    const pending = await edit([BODY])
    pending.assertStatus(422)
    assert.equal(pending.body().errors[0].code, 'E_TEMPLATE_NOT_EDITABLE')

    await simulator.state.setTemplateStatus(remote.id, 'APPROVED')
    await drainQueue()
    const recategorised = await edit([BODY], 'MARKETING')
    recategorised.assertStatus(422)
    assert.equal(recategorised.body().errors[0].code, 'E_TEMPLATE_CATEGORY_LOCKED')

    const first = await edit([BODY, { type: 'FOOTER', text: 'New footer' }])
    first.assertStatus(200)
    assert.equal(first.body().status, 'PENDING')
    assert.equal(first.body().edits.lastDay, 1)
    assert.deepEqual(simulator.state.templates.get(remote.id)!.components[1], {
      type: 'FOOTER',
      text: 'New footer',
    })

    await simulator.state.setTemplateStatus(remote.id, 'APPROVED')
    await drainQueue()
    const second = await edit([BODY])
    second.assertStatus(429)
    assert.equal(second.body().errors[0].code, 'E_TEMPLATE_EDIT_LIMIT_DAY')
    assert.isString(second.body().errors[0].nextAllowedAt)

    // Ten approved edits in 30 days (none in the last 24 h) is the monthly cap.
    await tenancy.run(workspace.id, async () => {
      const template = await MessageTemplate.findByOrFail('public_id', id)
      template.approvedEdits = Array.from({ length: 10 }, (_, i) =>
        DateTime.utc()
          .minus({ days: 2 + i })
          .toISO()!
      )
      await template.save()
    })
    const monthly = await edit([BODY])
    monthly.assertStatus(429)
    assert.equal(monthly.body().errors[0].code, 'E_TEMPLATE_EDIT_LIMIT_MONTH')

    // A rejected template has no limit.
    await simulator.state.setTemplateStatus(remote.id, 'REJECTED', 'PROMOTIONAL')
    await drainQueue()
    const rejected = await edit([BODY, { type: 'FOOTER', text: 'Fixed' }])
    rejected.assertStatus(200)
  })

  test('delete removes it at Meta; a disabled template cannot be deleted', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await setup()
    const { response, remote } = await submitted(client, 'to_delete')
    const gone = await client
      .delete(`/w/${workspace.slug}/templates/${response.body().id}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    gone.assertStatus(204)
    assert.isFalse(simulator.state.templates.has(remote.id))
    const rows = await tenancy.run(workspace.id, () =>
      MessageTemplate.query().where('name', 'to_delete')
    )
    assert.lengthOf(rows, 0)

    const disabled = await submitted(client, 'disabled_one')
    await simulator.state.setTemplateStatus(disabled.remote.id, 'DISABLED')
    await drainQueue()
    const refused = await client
      .delete(`/w/${workspace.slug}/templates/${disabled.response.body().id}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    refused.assertStatus(422)
    assert.equal(refused.body().errors[0].code, 'E_TEMPLATE_DISABLED_DELETE')
    assert.isTrue(simulator.state.templates.has(disabled.remote.id))
  })

  test('header samples go through the resumable upload; the handle makes a media header', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await setup()
    const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)])
    const upload = await client
      .post(`/w/${workspace.slug}/templates/uploads`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .file('file', bytes, { filename: 'sample.jpg', contentType: 'image/jpeg' })
    upload.assertStatus(200)
    const handle = upload.body().handle as string
    assert.match(handle, /^4::/)
    const session = [...simulator.state.uploads.values()].find((s) => s.handle === handle)!
    assert.exists(session, 'the simulator holds the upload session')
    assert.equal(session.fileType, 'image/jpeg')
    assert.equal(session.fileLength, bytes.length)
    assert.isTrue(session.bytes!.equals(bytes), 'the bytes arrived intact')

    const { remote } = await submitted(client, 'with_image', {
      components: [{ type: 'HEADER', format: 'IMAGE', example: { header_handle: [handle] } }, BODY],
    })
    assert.deepEqual((remote.components[0] as any).example.header_handle, [handle])

    const wrongType = await client
      .post(`/w/${workspace.slug}/templates/uploads`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .file('file', Buffer.from('hello'), { filename: 'a.txt', contentType: 'text/plain' })
    wrongType.assertStatus(422)
    assert.equal(wrongType.body().errors[0].code, 'E_TEMPLATE_UPLOAD_TYPE')
  })

  test('Meta rate limits and creation codes become clear messages', async ({ client, assert }) => {
    const { workspace, owner } = await setup()
    // A duplicate name at Meta (made in Meta's UI, not yet synced): 2388024.
    simulator.state.addTemplate({ wabaId, name: 'exists_at_meta', language: 'en_US' })
    const response = await client
      .post(`/w/${workspace.slug}/templates`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json(templatePayload('exists_at_meta', { submit: true }))
    response.assertStatus(422)
    assert.equal(response.body().errors[0].code, 'E_TEMPLATE_EXISTS')
    const rows = await tenancy.run(workspace.id, () =>
      MessageTemplate.query().where('name', 'exists_at_meta')
    )
    assert.lengthOf(rows, 0, 'a refused create-and-submit keeps nothing')

    // Graph throttling (4 app-level, 80007 WABA-level) reads as a rate limit.
    for (const code of [4, 80007]) {
      const mapped = templateGraphError(
        new GraphError({ httpStatus: 400, code, title: 'Too many calls' })
      ) as TemplateException
      assert.equal(mapped.code, 'E_TEMPLATE_RATE_LIMITED')
      assert.equal(mapped.status, 429)
      assert.include(mapped.message, 'rate-limiting')
    }
  })

  test('agents cannot manage templates (403)', async ({ client }) => {
    const { workspace } = await setup()
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const list = await client
      .get(`/w/${workspace.slug}/templates`)
      .loginAs(agent)
      .header('accept', 'application/json')
    list.assertStatus(403)
    const create = await client
      .post(`/w/${workspace.slug}/templates`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json(templatePayload('agent_try'))
    create.assertStatus(403)
  })

  test('the templates page renders for a manager', async ({ client }) => {
    const { workspace, owner } = await setup()
    const page = await client.get(`/w/${workspace.slug}/templates`).loginAs(owner).withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('templates/index')
    const editor = await client
      .get(`/w/${workspace.slug}/templates/new`)
      .loginAs(owner)
      .withInertia()
    editor.assertStatus(200)
    editor.assertInertiaComponent('templates/edit')
  })
})
