import { test } from '@japa/runner'
import env from '#start/env'
import Channel from '#channels/models/channel'
import MessageTemplate from '#templates/models/message_template'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { createMetaSimulator, type MetaSimulator } from '#channels/simulator/index'
import { GraphClient, GraphError } from '#channels/meta/graph_client'
import { makeWorkspace } from '#tests/helpers/fixtures'
import type Workspace from '#core/models/workspace'
import type User from '#core/models/user'
import type { TemplateButton } from '#templates/types'

/**
 * Authentication templates with one-tap and zero-tap OTP buttons, end to
 * end: Parley's HTTP route → Meta simulator (which refuses what Meta
 * refuses: no apps, bad apps, zero-tap without terms) → stored locally →
 * read back by "sync now" in the same shape.
 */

const TOKEN = 'sim-token-auth-otp-0123456789'
const graphPort = Number(new URL(env.get('META_GRAPH_URL') ?? 'http://127.0.0.1:3399').port)

const SHOP = { package_name: 'com.example.shop', signature_hash: 'K8a/AINcGX7' }
const BETA = { package_name: 'com.example.shop.beta', signature_hash: 'Zx9+AbCd=12' }

function authPayload(name: string, button: Record<string, unknown>, submit = true) {
  return {
    name,
    language: 'en_US',
    category: 'AUTHENTICATION',
    components: [
      { type: 'BODY', add_security_recommendation: true },
      { type: 'FOOTER', code_expiration_minutes: 10 },
      { type: 'BUTTONS', buttons: [button] },
    ],
    submit,
  }
}

test.group('Templates: one-tap and zero-tap authentication', (group) => {
  let simulator: MetaSimulator
  const phoneNumberId = `18${Date.now()}`
  const wabaId = `28${Date.now()}`

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
          displayPhoneNumber: '15550008888',
          verifiedName: 'Acme',
          qualityRating: 'GREEN',
        },
      ],
      autoStatuses: false,
    })
    await simulator.start()
    return () => simulator.stop()
  })

  let shared: Promise<{ workspace: Workspace; owner: User }> | null = null
  function setup() {
    shared ??= (async () => {
      const { workspace, owner } = await makeWorkspace()
      await tenancy.run(workspace.id, () =>
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
      return { workspace, owner }
    })()
    return shared
  }

  async function post(client: any, payload: Record<string, unknown>) {
    const { workspace, owner } = await setup()
    return client
      .post(`/w/${workspace.slug}/templates`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json(payload)
  }

  const remoteNamed = (name: string) =>
    [...simulator.state.templates.values()].find((t) => t.name === name)
  const remoteButton = (name: string) =>
    (remoteNamed(name)!.components.find((c) => c.type === 'BUTTONS') as any).buttons[0]
  async function localButton(name: string): Promise<TemplateButton> {
    const { workspace } = await setup()
    const template = await tenancy.run(workspace.id, () =>
      MessageTemplate.findByOrFail('name', name)
    )
    return template.components.find((c) => c.type === 'BUTTONS')!.buttons![0]
  }

  test('a ONE_TAP template is accepted by Meta with its apps in supported_apps', async ({
    client,
    assert,
  }) => {
    const response = await post(
      client,
      authPayload('login_one_tap', {
        type: 'OTP',
        otp_type: 'ONE_TAP',
        text: 'Copy code',
        autofill_text: ' Autofill ',
        supported_apps: [SHOP, BETA],
      })
    )
    response.assertStatus(201)
    assert.equal(response.body().status, 'PENDING')
    const expected = {
      type: 'OTP',
      otp_type: 'ONE_TAP',
      text: 'Copy code',
      autofill_text: 'Autofill',
      supported_apps: [SHOP, BETA],
    }
    assert.deepEqual(remoteButton('login_one_tap'), expected, 'sent in Meta’s shape')
    assert.equal(remoteNamed('login_one_tap')!.category, 'AUTHENTICATION')
    assert.deepEqual(await localButton('login_one_tap'), expected, 'stored the same way')
  })

  test('a ZERO_TAP template is accepted with the terms and its app', async ({ client, assert }) => {
    const response = await post(
      client,
      authPayload('login_zero_tap', {
        type: 'OTP',
        otp_type: 'ZERO_TAP',
        zero_tap_terms_accepted: true,
        supported_apps: [SHOP],
      })
    )
    response.assertStatus(201)
    const expected = {
      type: 'OTP',
      otp_type: 'ZERO_TAP',
      supported_apps: [SHOP],
      zero_tap_terms_accepted: true,
    }
    assert.deepEqual(remoteButton('login_zero_tap'), expected)
    assert.deepEqual(await localButton('login_zero_tap'), expected)
  })

  test('Parley refuses missing terms and bad apps before Meta, pointing at the field', async ({
    client,
    assert,
  }) => {
    const noTerms = await post(
      client,
      authPayload('zero_no_terms', {
        type: 'OTP',
        otp_type: 'ZERO_TAP',
        supported_apps: [SHOP],
      })
    )
    noTerms.assertStatus(422)
    assert.deepInclude(
      (noTerms.body().errors as any[]).map((e) => [e.rule, e.path]),
      ['zero_tap_terms_required', 'buttons[0].zero_tap_terms_accepted']
    )

    const badHash = await post(
      client,
      authPayload('one_tap_bad_hash', {
        type: 'OTP',
        otp_type: 'ONE_TAP',
        supported_apps: [SHOP, { package_name: 'com.example.other', signature_hash: 'tooshort' }],
      })
    )
    badHash.assertStatus(422)
    const issue = (badHash.body().errors as any[]).find((e) => e.rule === 'signature_hash_invalid')
    assert.equal(issue.path, 'buttons[0].supported_apps[1].signature_hash')
    assert.equal(issue.index, 0)
    assert.equal(issue.field, 'supported_apps[1].signature_hash')

    const noApps = await post(
      client,
      authPayload('one_tap_no_apps', { type: 'OTP', otp_type: 'ONE_TAP' })
    )
    noApps.assertStatus(422)
    assert.deepInclude(
      (noApps.body().errors as any[]).map((e) => e.rule),
      'supported_apps_required'
    )
    for (const name of ['zero_no_terms', 'one_tap_bad_hash', 'one_tap_no_apps']) {
      assert.isUndefined(remoteNamed(name), `${name} never reached Meta`)
    }
  })

  test('the simulator refuses what Meta refuses (so acceptance above means something)', async ({
    assert,
  }) => {
    const graph = new GraphClient()
    const create = (name: string, button: Record<string, unknown>) =>
      graph.request('POST', `${wabaId}/message_templates`, {
        token: TOKEN,
        json: { ...authPayload(name, button), submit: undefined },
      })
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      ['raw_no_apps', { type: 'OTP', otp_type: 'ONE_TAP' }, /supported_apps is required/],
      [
        'raw_legacy_fields',
        { type: 'otp', otp_type: 'one_tap', ...SHOP },
        /supported_apps is required/,
      ],
      [
        'raw_six_apps',
        { type: 'OTP', otp_type: 'ONE_TAP', supported_apps: Array(6).fill(SHOP) },
        /at most 5/,
      ],
      [
        'raw_bad_package',
        {
          type: 'OTP',
          otp_type: 'ONE_TAP',
          supported_apps: [{ ...SHOP, package_name: 'com.1bad' }],
        },
        /supported_apps\[0\]\.package_name/,
      ],
      [
        'raw_bad_hash',
        {
          type: 'OTP',
          otp_type: 'ZERO_TAP',
          zero_tap_terms_accepted: true,
          supported_apps: [SHOP, { ...SHOP, signature_hash: 'K8a/AINcGX7!' }],
        },
        /supported_apps\[1\]\.signature_hash/,
      ],
      [
        'raw_zero_no_terms',
        { type: 'OTP', otp_type: 'ZERO_TAP', supported_apps: [SHOP] },
        /zero_tap_terms_accepted must be true/,
      ],
      [
        'raw_zero_terms_false',
        {
          type: 'OTP',
          otp_type: 'ZERO_TAP',
          zero_tap_terms_accepted: false,
          supported_apps: [SHOP],
        },
        /zero_tap_terms_accepted must be true/,
      ],
    ]
    for (const [name, button, detail] of refusals) {
      try {
        await create(name, button)
        assert.fail(`${name} was accepted`)
      } catch (error) {
        assert.instanceOf(error, GraphError, name)
        assert.equal((error as GraphError).code, 100, name)
        assert.match((error as GraphError).details ?? '', detail, name)
      }
      assert.isUndefined(remoteNamed(name))
    }
    // Lower-case enum values, as in Meta's own examples, are fine.
    await create('raw_lower_case', { type: 'otp', otp_type: 'one_tap', supported_apps: [SHOP] })
    assert.exists(remoteNamed('raw_lower_case'))
  })

  test('copy code drops app fields; the old button-level app fields become supported_apps', async ({
    client,
    assert,
  }) => {
    const copy = await post(
      client,
      authPayload('login_copy_code', {
        type: 'OTP',
        otp_type: 'COPY_CODE',
        supported_apps: [SHOP],
        autofill_text: 'Autofill',
        zero_tap_terms_accepted: true,
      })
    )
    copy.assertStatus(201)
    assert.deepEqual(remoteButton('login_copy_code'), { type: 'OTP', otp_type: 'COPY_CODE' })

    const legacy = await post(
      client,
      authPayload('login_legacy_app', { type: 'otp', otp_type: 'one_tap', ...SHOP })
    )
    legacy.assertStatus(201)
    assert.deepEqual(remoteButton('login_legacy_app'), {
      type: 'OTP',
      otp_type: 'ONE_TAP',
      supported_apps: [SHOP],
    })
  })

  test('sync reads the apps back, in the OTP shape or as Meta’s OTP URL button', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await setup()
    // Made in Meta's UI, read back in the URL form Meta's docs describe.
    simulator.state.addTemplate({
      wabaId,
      name: 'made_in_meta_one_tap',
      language: 'en_US',
      category: 'AUTHENTICATION',
      components: [
        { type: 'BODY', text: '*{{1}}* is your verification code.' },
        {
          type: 'BUTTONS',
          buttons: [
            {
              type: 'URL',
              text: 'Copy code',
              url: `https://www.whatsapp.com/otp/code/?otp_type=ONE_TAP&cta_display_name=Autofill&package_name=${SHOP.package_name}&signature_hash=${encodeURIComponent(SHOP.signature_hash)}&code=otp{{1}}`,
            },
          ],
        },
      ],
    })
    simulator.state.addTemplate({
      wabaId,
      name: 'made_in_meta_zero_tap',
      language: 'en_US',
      category: 'AUTHENTICATION',
      components: [
        { type: 'BODY', text: '*{{1}}* is your verification code.' },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'ZERO_TAP', ...BETA }] },
      ],
    })
    const before = await localButton('login_one_tap')
    const response = await client
      .post(`/w/${workspace.slug}/templates/sync`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    response.assertStatus(200)

    assert.deepEqual(await localButton('login_one_tap'), before, 'round trip keeps the apps')
    assert.deepEqual(await localButton('login_zero_tap'), {
      type: 'OTP',
      otp_type: 'ZERO_TAP',
      supported_apps: [SHOP],
      zero_tap_terms_accepted: true,
    })
    assert.deepEqual(await localButton('made_in_meta_one_tap'), {
      type: 'OTP',
      otp_type: 'ONE_TAP',
      text: 'Copy code',
      autofill_text: 'Autofill',
      supported_apps: [SHOP],
    })
    assert.deepEqual(await localButton('made_in_meta_zero_tap'), {
      type: 'OTP',
      otp_type: 'ZERO_TAP',
      supported_apps: [BETA],
      zero_tap_terms_accepted: true,
    })
  })
})
