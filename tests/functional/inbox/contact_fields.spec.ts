import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import db from '@adonisjs/lucid/services/db'
import ContactEvent from '#contacts/models/contact_event'
import Contact from '#contacts/models/contact'
import CustomField from '#contacts/models/custom_field'
import type Conversation from '#inbox/models/conversation'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import { fieldValuesOf, writeFieldValues } from '#contacts/services/custom_fields'
import { tenancy } from '#core/tenancy/context'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { inbound } from '#tests/helpers/inbox'

/**
 * The inbox sidebar's custom fields: the conversation detail carries the
 * workspace's fields, the contact's values and whether the member may
 * edit them; edits go through the contacts update endpoint with only
 * `{ fields }` (what the panel sends).
 */

const readJson = (client: ApiClient, user: User, url: string) =>
  client.get(url).loginAs(user).header('accept', 'application/json')

const put = (client: ApiClient, user: User, url: string, body: object) =>
  client.put(url).loginAs(user).withCsrfToken().header('accept', 'application/json').json(body)

/**
 * A workspace with four fields (text, number, dropdown, date, plus a
 * checkbox), a conversation whose contact has a plan and a signup date,
 * a sales agent (contacts.manage) and a support agent (contacts.view only).
 */
async function scene() {
  const { workspace, owner } = await makeWorkspace()
  const sales = await makeUser({ fullName: 'Sam Sales' })
  const support = await makeUser({ fullName: 'Sue Support' })
  await addMember(workspace, sales, 'sales')
  await addMember(workspace, support, 'agent')
  const { conversation } = await inbound(workspace, {
    waId: '15550300001',
    name: 'Nadia Haddad',
    text: 'Hello',
  })
  const { contact, fields } = await tenancy.run(workspace.id, async () => {
    const make = (position: number, values: Partial<CustomField>) =>
      CustomField.create({ options: [], required: false, position, ...values })
    const made = {
      company: await make(0, { key: 'company', label: 'Company', type: 'text' }),
      orders: await make(1, { key: 'orders', label: 'Orders', type: 'number' }),
      plan: await make(2, {
        key: 'plan',
        label: 'Plan',
        type: 'dropdown',
        options: ['Free', 'Pro', 'Enterprise'],
      }),
      signup: await make(3, { key: 'signup', label: 'Signed up', type: 'date' }),
      vip: await make(4, { key: 'vip', label: 'VIP', type: 'checkbox' }),
    }
    const owned = await Contact.findOrFail(conversation.contactId)
    await writeFieldValues([
      { contactId: owned.id, field: made.plan, value: 'Free' },
      { contactId: owned.id, field: made.signup, value: '2024-03-05' },
      { contactId: owned.id, field: made.vip, value: true },
    ])
    return { contact: owned, fields: made }
  })
  return { workspace, owner, sales, support, conversation, contact, fields }
}

function detailUrl(workspace: Workspace, conversation: Conversation) {
  return `/w/${workspace.slug}/inbox/conversations/${conversation.publicId}`
}

function storedValues(workspace: Workspace, contact: Contact) {
  return tenancy.run(workspace.id, async () => {
    const fields = await CustomField.query()
    return (await fieldValuesOf([contact.id], fields)).get(contact.id) ?? {}
  })
}

test.group('Inbox sidebar: contact custom fields', () => {
  test('the conversation detail and the page carry fields, values and canEdit', async ({
    client,
    assert,
  }) => {
    const { workspace, sales, support, conversation, contact } = await scene()

    const response = await readJson(client, sales, detailUrl(workspace, conversation))
    response.assertStatus(200)
    const panel = response.body().contact.customFields
    assert.deepEqual(panel.fields, [
      { key: 'company', label: 'Company', type: 'text', options: [], required: false },
      { key: 'orders', label: 'Orders', type: 'number', options: [], required: false },
      {
        key: 'plan',
        label: 'Plan',
        type: 'dropdown',
        options: ['Free', 'Pro', 'Enterprise'],
        required: false,
      },
      { key: 'signup', label: 'Signed up', type: 'date', options: [], required: false },
      { key: 'vip', label: 'VIP', type: 'checkbox', options: [], required: false },
    ])
    assert.deepEqual(panel.values, { plan: 'Free', signup: '2024-03-05', vip: true })
    assert.isTrue(panel.canEdit)
    assert.equal(response.body().contact.id, contact.publicId)

    const page = await client
      .get(`/w/${workspace.slug}/inbox/c/${conversation.publicId}`)
      .loginAs(support)
      .withInertia()
    page.assertInertiaComponent('inbox/index')
    const props = page.inertiaProps as any
    assert.deepEqual(props.conversation.contact.customFields.values, {
      plan: 'Free',
      signup: '2024-03-05',
      vip: true,
    })
    assert.lengthOf(props.conversation.contact.customFields.fields, 5)
    assert.isFalse(props.conversation.contact.customFields.canEdit)
  })

  test('an agent with contacts.manage edits a number and a dropdown', async ({
    client,
    assert,
  }) => {
    const { workspace, sales, conversation, contact } = await scene()
    const response = await put(client, sales, `/w/${workspace.slug}/contacts/${contact.publicId}`, {
      fields: { orders: '42', plan: 'pro' },
    })
    response.assertStatus(200)
    assert.equal(response.body().changes, 2)

    // The other values and the profile are untouched by a fields-only body.
    assert.deepEqual(await storedValues(workspace, contact), {
      orders: 42,
      plan: 'Pro',
      signup: '2024-03-05',
      vip: true,
    })
    const fresh = await tenancy.run(workspace.id, () => Contact.findOrFail(contact.id))
    assert.equal(fresh.phone, contact.phone)
    assert.equal(fresh.name, contact.name)

    const events = await tenancy.run(workspace.id, () =>
      ContactEvent.query()
        .where('contact_id', contact.id)
        .where('kind', 'field_changed')
        .orderBy('name')
    )
    assert.deepEqual(
      events.map((event) => [event.name, event.data, event.actorId]),
      [
        ['orders', { from: null, to: 42 }, sales.id],
        ['plan', { from: 'Free', to: 'Pro' }, sales.id],
      ]
    )

    const panel = (await readJson(client, sales, detailUrl(workspace, conversation))).body().contact
      .customFields
    assert.deepEqual(panel.values, {
      orders: 42,
      plan: 'Pro',
      signup: '2024-03-05',
      vip: true,
    })

    // Clearing a value (the panel sends '') removes it.
    const cleared = await put(client, sales, `/w/${workspace.slug}/contacts/${contact.publicId}`, {
      fields: { plan: '' },
    })
    cleared.assertStatus(200)
    assert.notProperty(await storedValues(workspace, contact), 'plan')
  })

  test('a bad number and an unknown option get a 422 per field and store nothing', async ({
    client,
    assert,
  }) => {
    const { workspace, sales, contact } = await scene()
    const response = await put(client, sales, `/w/${workspace.slug}/contacts/${contact.publicId}`, {
      fields: { orders: 'twelve', plan: 'Gold' },
    })
    response.assertStatus(422)
    const errors = response.body().errors as { field: string; message: string }[]
    assert.deepEqual(errors.map((error) => error.field).sort(), ['fields.orders', 'fields.plan'])
    assert.equal(
      errors.find((error) => error.field === 'fields.orders')!.message,
      'Orders must be a number'
    )
    assert.deepEqual(await storedValues(workspace, contact), {
      plan: 'Free',
      signup: '2024-03-05',
      vip: true,
    })
    const rows = await db
      .from('contact_events')
      .where('workspace_id', workspace.id)
      .where('contact_id', contact.id)
      .where('kind', 'field_changed')
    assert.lengthOf(rows, 0)
  })

  test('an agent without contacts.manage sees the values but cannot edit (403)', async ({
    client,
    assert,
  }) => {
    const { workspace, support, conversation, contact } = await scene()
    const detail = await readJson(client, support, detailUrl(workspace, conversation))
    detail.assertStatus(200)
    const panel = detail.body().contact.customFields
    assert.isFalse(panel.canEdit)
    assert.deepEqual(panel.values, { plan: 'Free', signup: '2024-03-05', vip: true })

    const response = await put(
      client,
      support,
      `/w/${workspace.slug}/contacts/${contact.publicId}`,
      { fields: { orders: '7' } }
    )
    response.assertStatus(403)
    assert.notProperty(await storedValues(workspace, contact), 'orders')
  })

  test('a workspace without custom fields gets an empty list; erased contacts are read-only', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const { conversation } = await inbound(workspace, { waId: '15550300002', name: 'Omar' })
    const empty = (await readJson(client, owner, detailUrl(workspace, conversation))).body()
    assert.deepEqual(empty.contact.customFields, { fields: [], values: {}, canEdit: true })

    await tenancy.run(workspace.id, async () => {
      const contact = await Contact.findOrFail(conversation.contactId)
      contact.merge({ erasedAt: contact.createdAt })
      await contact.save()
    })
    const erased = (await readJson(client, owner, detailUrl(workspace, conversation))).body()
    assert.isFalse(erased.contact.customFields.canEdit)
  })
})
