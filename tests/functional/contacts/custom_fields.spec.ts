import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import db from '@adonisjs/lucid/services/db'
import CustomField from '#contacts/models/custom_field'
import Contact from '#contacts/models/contact'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'

type Client = ApiClient

function json(
  client: Client,
  user: User,
  method: 'post' | 'put' | 'delete',
  url: string,
  body?: object
) {
  const request = client[method](url)
    .loginAs(user)
    .withCsrfToken()
    .header('accept', 'application/json')
  return body ? request.json(body) : request
}

async function field(client: Client, workspace: Workspace, owner: User, body: object) {
  const response = await json(client, owner, 'post', `/w/${workspace.slug}/settings/fields`, body)
  response.assertStatus(201)
  return response.body() as { id: string; key: string }
}

function createContact(client: Client, workspace: Workspace, owner: User, body: object) {
  return json(client, owner, 'post', `/w/${workspace.slug}/contacts`, body)
}

const errorOf = (body: any, name: string) =>
  (body.errors as { field: string; message: string }[]).find((error) => error.field === name)

test.group('Custom fields', () => {
  test('settings page lists fields in order; an agent without contacts.manage is refused', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await field(client, workspace, owner, { key: 'plan', label: 'Plan', type: 'text' })
    await field(client, workspace, owner, { key: 'city', label: 'City', type: 'text' })
    const page = await client
      .get(`/w/${workspace.slug}/settings/fields`)
      .loginAs(owner)
      .withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('settings/fields')
    const props = page.inertiaProps as any
    assert.deepEqual(
      props.fields.map((entry: any) => entry.key),
      ['plan', 'city']
    )
    assert.equal(props.max, 100)

    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const refused = await json(client, agent, 'post', `/w/${workspace.slug}/settings/fields`, {
      key: 'x',
      label: 'X',
      type: 'text',
    })
    refused.assertStatus(403)
    const picker = await client
      .get(`/w/${workspace.slug}/contacts/fields`)
      .loginAs(agent)
      .header('accept', 'application/json')
    picker.assertStatus(200)
    assert.deepEqual(
      picker.body().map((row: any) => row.key),
      ['plan', 'city']
    )
  })

  test('key rules: format, reserved standard names, unique, immutable', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const base = `/w/${workspace.slug}/settings/fields`
    for (const key of ['Plan', '1plan', 'my-plan', 'plan name']) {
      const bad = await json(client, owner, 'post', base, { key, label: 'Plan', type: 'text' })
      bad.assertStatus(422)
      assert.exists(errorOf(bad.body(), 'key'), key)
    }
    for (const key of ['email', 'phone', 'name', 'messages_in', 'wa_id']) {
      const reserved = await json(client, owner, 'post', base, { key, label: 'X', type: 'text' })
      reserved.assertStatus(422)
      assert.match(errorOf(reserved.body(), 'key')!.message, /standard/)
    }
    const created = await field(client, workspace, owner, {
      key: 'plan_2',
      label: 'Plan',
      type: 'text',
    })
    const taken = await json(client, owner, 'post', base, {
      key: 'plan_2',
      label: 'Other',
      type: 'number',
    })
    taken.assertStatus(422)
    assert.match(errorOf(taken.body(), 'key')!.message, /already/)

    const renamed = await json(client, owner, 'put', `${base}/${created.id}`, {
      key: 'plan_3',
      label: 'Plan',
      type: 'text',
    })
    renamed.assertStatus(422)
    assert.match(errorOf(renamed.body(), 'key')!.message, /cannot change/)
    const relabelled = await json(client, owner, 'put', `${base}/${created.id}`, {
      key: 'plan_2',
      label: 'Subscription',
      type: 'text',
    })
    relabelled.assertStatus(200)
    assert.equal(relabelled.body().label, 'Subscription')
    assert.equal(relabelled.body().key, 'plan_2')
  })

  test('at least 50 fields per workspace, refused past the maximum', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      await CustomField.createMany(
        Array.from({ length: 99 }, (_, index) => ({
          key: `f_${index}`,
          label: `Field ${index}`,
          type: 'text' as const,
          options: [],
          required: false,
          position: index,
        }))
      )
    })
    await field(client, workspace, owner, { key: 'f_last', label: 'Last', type: 'text' })
    const over = await json(client, owner, 'post', `/w/${workspace.slug}/settings/fields`, {
      key: 'f_over',
      label: 'Over',
      type: 'text',
    })
    over.assertStatus(422)
    assert.match(errorOf(over.body(), 'key')!.message, /at most 100/)
  })

  test('each type validates values through HTTP: accepted and refused', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await field(client, workspace, owner, { key: 'nickname', label: 'Nickname', type: 'text' })
    await field(client, workspace, owner, { key: 'score', label: 'Score', type: 'number' })
    await field(client, workspace, owner, { key: 'birthday', label: 'Birthday', type: 'date' })
    await field(client, workspace, owner, {
      key: 'plan',
      label: 'Plan',
      type: 'dropdown',
      options: ['Gold', 'Silver'],
    })
    await field(client, workspace, owner, { key: 'vip', label: 'VIP', type: 'checkbox' })

    const refused = await createContact(client, workspace, owner, {
      phone: '+33612345678',
      fields: {
        nickname: 'x'.repeat(256),
        score: 'twelve',
        birthday: '31/12/1990',
        plan: 'Bronze',
        vip: 'maybe',
      },
    })
    refused.assertStatus(422)
    const body = refused.body()
    assert.match(errorOf(body, 'fields.nickname')!.message, /longer than 255/)
    assert.match(errorOf(body, 'fields.score')!.message, /must be a number/)
    assert.match(errorOf(body, 'fields.birthday')!.message, /YYYY-MM-DD/)
    assert.match(errorOf(body, 'fields.plan')!.message, /one of: Gold, Silver/)
    assert.match(errorOf(body, 'fields.vip')!.message, /yes or no/)
    const none = await tenancy.run(workspace.id, () =>
      Contact.query().where('phone', '+33612345678')
    )
    assert.lengthOf(none, 0, 'nothing is written when a value is refused')

    const unknown = await createContact(client, workspace, owner, {
      phone: '+33612345678',
      fields: { shoe_size: '42' },
    })
    unknown.assertStatus(422)
    assert.exists(errorOf(unknown.body(), 'fields.shoe_size'))

    const accepted = await createContact(client, workspace, owner, {
      phone: '+33612345678',
      fields: { nickname: ' Jo ', score: '12.5', birthday: '1990-12-31', plan: 'gold', vip: 'yes' },
    })
    accepted.assertStatus(201)
    const page = await client
      .get(`/w/${workspace.slug}/contacts/${accepted.body().id}`)
      .loginAs(owner)
      .withInertia()
    page.assertStatus(200)
    assert.deepEqual((page.inertiaProps as any).values, {
      nickname: 'Jo',
      score: 12.5,
      birthday: '1990-12-31',
      plan: 'Gold',
      vip: true,
    })

    const update = await json(
      client,
      owner,
      'put',
      `/w/${workspace.slug}/contacts/${accepted.body().id}`,
      { fields: { score: 'NaN', vip: false } }
    )
    update.assertStatus(422)
    assert.exists(errorOf(update.body(), 'fields.score'))
  })

  test('required fields must be given at creation and cannot be emptied', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await field(client, workspace, owner, {
      key: 'city',
      label: 'City',
      type: 'text',
      required: true,
    })
    const missing = await createContact(client, workspace, owner, { phone: '+33612345679' })
    missing.assertStatus(422)
    assert.match(errorOf(missing.body(), 'fields.city')!.message, /City is required/)
    const ok = await createContact(client, workspace, owner, {
      phone: '+33612345679',
      fields: { city: 'Lyon' },
    })
    ok.assertStatus(201)
    const emptied = await json(
      client,
      owner,
      'put',
      `/w/${workspace.slug}/contacts/${ok.body().id}`,
      {
        fields: { city: '' },
      }
    )
    emptied.assertStatus(422)
    assert.exists(errorOf(emptied.body(), 'fields.city'))
    const untouched = await json(
      client,
      owner,
      'put',
      `/w/${workspace.slug}/contacts/${ok.body().id}`,
      {
        name: 'Léa',
      }
    )
    untouched.assertStatus(200)
  })

  test('dropdown options: required, no duplicates, an option in use cannot be removed', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const base = `/w/${workspace.slug}/settings/fields`
    const noOptions = await json(client, owner, 'post', base, {
      key: 'tier',
      label: 'Tier',
      type: 'dropdown',
    })
    noOptions.assertStatus(422)
    assert.exists(errorOf(noOptions.body(), 'options'))
    const dup = await json(client, owner, 'post', base, {
      key: 'tier',
      label: 'Tier',
      type: 'dropdown',
      options: ['A', 'a'],
    })
    dup.assertStatus(422)
    const tier = await field(client, workspace, owner, {
      key: 'tier',
      label: 'Tier',
      type: 'dropdown',
      options: ['A', 'B', 'C'],
    })
    const contact = await createContact(client, workspace, owner, {
      phone: '+33612345670',
      fields: { tier: 'B' },
    })
    contact.assertStatus(201)
    const removeUsed = await json(client, owner, 'put', `${base}/${tier.id}`, {
      label: 'Tier',
      type: 'dropdown',
      options: ['A', 'C'],
    })
    removeUsed.assertStatus(422)
    assert.match(errorOf(removeUsed.body(), 'options')!.message, /B/)
    const removeUnused = await json(client, owner, 'put', `${base}/${tier.id}`, {
      label: 'Tier',
      type: 'dropdown',
      options: ['A', 'B'],
    })
    removeUnused.assertStatus(200)
    assert.deepEqual(removeUnused.body().options, ['A', 'B'])
  })

  test('the type cannot change once values exist, and says why; delete removes values', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const base = `/w/${workspace.slug}/settings/fields`
    const score = await field(client, workspace, owner, {
      key: 'score',
      label: 'Score',
      type: 'text',
    })
    const free = await json(client, owner, 'put', `${base}/${score.id}`, {
      label: 'Score',
      type: 'number',
    })
    free.assertStatus(200)
    assert.equal(free.body().type, 'number')

    await createContact(client, workspace, owner, { phone: '+33612345671', fields: { score: 3 } })
    const locked = await json(client, owner, 'put', `${base}/${score.id}`, {
      label: 'Score',
      type: 'text',
    })
    locked.assertStatus(422)
    assert.match(errorOf(locked.body(), 'type')!.message, /1 contacts have a value/)

    const removed = await json(client, owner, 'delete', `${base}/${score.id}`)
    removed.assertStatus(204)
    const values = await db.from('contact_field_values').where('workspace_id', workspace.id)
    assert.lengthOf(values, 0)
  })

  test('reorder sets the display order', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const a = await field(client, workspace, owner, { key: 'a', label: 'A', type: 'text' })
    const b = await field(client, workspace, owner, { key: 'b', label: 'B', type: 'text' })
    const c = await field(client, workspace, owner, { key: 'c', label: 'C', type: 'text' })
    const reordered = await json(
      client,
      owner,
      'post',
      `/w/${workspace.slug}/settings/fields/reorder`,
      {
        ids: [c.id, a.id, b.id],
      }
    )
    reordered.assertStatus(204)
    const keys = await tenancy.run(workspace.id, () =>
      CustomField.query().orderBy('position').select('key')
    )
    assert.deepEqual(
      keys.map((row) => row.key),
      ['c', 'a', 'b']
    )
  })
})
