import { test } from '@japa/runner'
import Message from '#inbox/models/message'
import CustomField from '#contacts/models/custom_field'
import type Channel from '#channels/models/channel'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import type { MetaSimulator } from '#channels/simulator/index'
import { tenancy } from '#core/tenancy/context'
import { writeFieldValues } from '#contacts/services/custom_fields'
import { contactValuesFor } from '#templates/services/contact_values'
import { addMember, makeUser } from '#tests/helpers/fixtures'
import { routesWithParams, sweep } from '#tests/helpers/cross_tenant_sweep'
import { drainQueue } from '#tests/helpers/queue'
import {
  pickerConversation,
  pickerTemplate,
  pickerWorkspace,
  randomDigits,
  startPickerSimulator,
} from '#tests/helpers/picker'

const json = (request: any) => request.header('accept', 'application/json')

/**
 * The inbox template picker through HTTP, sending through the meta_cloud
 * driver to the (strict) Meta simulator.
 */
test.group('Inbox template picker', (group) => {
  const numberA = { phoneNumberId: randomDigits('31', 15), wabaId: randomDigits('41', 15) }
  const numberB = { phoneNumberId: randomDigits('32', 15), wabaId: randomDigits('42', 15) }
  let simulator: MetaSimulator
  let a: { workspace: Workspace; owner: User; channel: Channel }

  group.setup(async () => {
    simulator = await startPickerSimulator([numberA, numberB])
    a = await pickerWorkspace(numberA)
    return () => simulator.stop()
  })

  const url = (workspace: Workspace, conversation: string) =>
    `/w/${workspace.slug}/inbox/conversations/${conversation}/templates`

  async function sentTo(waId: string) {
    await simulator.idle()
    return simulator.state.sent.filter((entry) => entry.waId === waId)
  }

  test('lists only the approved templates of the conversation’s WABA, searched and paginated', async ({
    assert,
    client,
  }) => {
    const { workspace, owner, channel } = await pickerWorkspace({
      phoneNumberId: randomDigits('33', 15),
      wabaId: randomDigits('43', 15),
    })
    const body = (text: string) => [{ type: 'BODY' as const, text }]
    for (let index = 0; index < 22; index++) {
      await pickerTemplate(workspace, channel, null, {
        name: `order_update_${String(index).padStart(2, '0')}`,
        components: body(`Your order ${index} shipped.`),
      })
    }
    await pickerTemplate(workspace, channel, null, {
      name: 'spring_sale',
      category: 'MARKETING',
      components: body('Spring sale: 20% off everything in store.'),
    })
    for (const status of ['PENDING', 'REJECTED', 'PAUSED', 'DISABLED', 'DRAFT'] as const) {
      await pickerTemplate(workspace, channel, null, {
        name: `not_${status.toLowerCase()}`,
        status,
        components: body('Hidden'),
      })
    }
    // The same workspace's other WABA, and another workspace on this WABA id.
    await pickerTemplate(workspace, channel, null, {
      name: 'other_waba',
      wabaId: 'another-waba',
      components: body('Hidden'),
    })
    await pickerTemplate(a.workspace, a.channel, null, {
      name: 'foreign_tenant',
      wabaId: channel.wabaId!,
      components: body('Hidden'),
    })
    const { conversation } = await pickerConversation(workspace, channel, { windowOpen: true })

    const first = await json(client.get(url(workspace, conversation.publicId)).loginAs(owner))
    first.assertStatus(200)
    assert.equal(first.body().total, 23)
    assert.equal(first.body().lastPage, 2)
    assert.lengthOf(first.body().items, 20)
    const second = await json(
      client.get(`${url(workspace, conversation.publicId)}?page=2`).loginAs(owner)
    )
    const names = [...first.body().items, ...second.body().items].map((item: any) => item.name)
    assert.lengthOf(names, 23)
    assert.includeMembers(names, ['spring_sale', 'order_update_00', 'order_update_21'])
    for (const hidden of ['not_pending', 'not_rejected', 'not_paused', 'not_disabled']) {
      assert.notInclude(names, hidden)
    }
    assert.notInclude(names, 'other_waba')
    assert.notInclude(names, 'foreign_tenant')

    // Search by name and by text (case-insensitive); LIKE wildcards are literal.
    const byName = await json(
      client.get(`${url(workspace, conversation.publicId)}?q=SPRING`).loginAs(owner)
    )
    assert.deepEqual(
      byName.body().items.map((item: any) => item.name),
      ['spring_sale']
    )
    const byText = await json(
      client
        .get(`${url(workspace, conversation.publicId)}?q=${encodeURIComponent('20% off')}`)
        .loginAs(owner)
    )
    assert.deepEqual(
      byText.body().items.map((item: any) => item.name),
      ['spring_sale']
    )
    const wildcard = await json(
      client.get(`${url(workspace, conversation.publicId)}?q=%25`).loginAs(owner)
    )
    assert.deepEqual(
      wildcard.body().items.map((item: any) => item.name),
      ['spring_sale']
    )
    const none = await json(
      client.get(`${url(workspace, conversation.publicId)}?q=nothing-like-this`).loginAs(owner)
    )
    assert.equal(none.body().total, 0)
  })

  test('values are pre-filled from the contact (fields, custom fields by key) else the example', async ({
    assert,
    client,
  }) => {
    const { workspace, owner, channel } = a
    const { contact, conversation } = await pickerConversation(workspace, channel, {
      name: 'Jessica  Alba',
      email: 'jess@example.test',
      windowOpen: true,
    })
    await tenancy.run(workspace.id, async () => {
      const field = await CustomField.firstOrCreate(
        { key: 'plan' },
        { key: 'plan', label: 'Plan', type: 'text', options: [], required: false, position: 0 }
      )
      await writeFieldValues([{ contactId: contact.id, field, value: 'Gold' }])
    })
    await pickerTemplate(workspace, channel, null, {
      name: 'named_prefill',
      parameterFormat: 'named',
      components: [
        {
          type: 'BODY',
          text: 'Hi {{first_name}}, your {{plan}} plan renews on {{renewal_date}}. Mail: {{email}}.',
          example: {
            body_text_named_params: [
              { param_name: 'first_name', example: 'Sam' },
              { param_name: 'plan', example: 'Silver' },
              { param_name: 'renewal_date', example: 'May 1' },
              { param_name: 'email', example: 'sam@example.test' },
            ],
          },
        },
      ],
    })
    await pickerTemplate(workspace, channel, null, {
      name: 'positional_prefill',
      components: [
        {
          type: 'BODY',
          text: 'Hello {{1}}, code {{2}}.',
          example: { body_text: [['Maria', 'X1']] },
        },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'URL', text: 'Track', url: 'https://shop.test/t/{{1}}', example: ['A1'] },
          ],
        },
      ],
    })

    const response = await json(
      client.get(`${url(workspace, conversation.publicId)}?q=prefill`).loginAs(owner)
    )
    response.assertStatus(200)
    const byName = new Map(response.body().items.map((item: any) => [item.name, item]))
    const named: any = byName.get('named_prefill')
    assert.deepEqual(
      named.variables.map((variable: any) => [variable.key, variable.value, variable.source]),
      [
        ['body.first_name', 'Jessica', 'contact'],
        ['body.plan', 'Gold', 'custom'],
        ['body.renewal_date', 'May 1', 'example'],
        ['body.email', 'jess@example.test', 'contact'],
      ]
    )
    const positional: any = byName.get('positional_prefill')
    assert.deepEqual(
      positional.variables.map((variable: any) => [variable.key, variable.value, variable.source]),
      [
        ['body.1', 'Maria', 'example'],
        ['body.2', 'X1', 'example'],
        ['button.0', 'A1', 'example'],
      ]
    )
    assert.equal(positional.variables[2].maxLength, 2000)
  })

  test('outside the 24-hour window: free text is refused, a positional template is sent with the right components', async ({
    assert,
    client,
  }) => {
    const { workspace, owner, channel } = a
    const { conversation, waId } = await pickerConversation(workspace, channel, {
      name: 'Omar',
      windowOpen: false,
    })
    const text = await json(
      client
        .post(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(owner)
        .withCsrfToken()
        .json({ text: 'Hello?' })
    )
    text.assertStatus(422)
    assert.equal(text.body().errors[0].code, 'E_OUTSIDE_SERVICE_WINDOW')

    const { template } = await pickerTemplate(workspace, channel, simulator, {
      name: 'order_shipped',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['42'] } },
        {
          type: 'BODY',
          text: 'Hi {{1}}, your order ships on {{2}}.',
          example: { body_text: [['Sam', 'Monday']] },
        },
        { type: 'FOOTER', text: 'Acme Shop' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: 'Thanks' },
            { type: 'URL', text: 'Track', url: 'https://shop.test/t/{{1}}', example: ['A1'] },
            { type: 'COPY_CODE', example: 'SAVE10' },
          ],
        },
      ],
    })
    const response = await json(
      client
        .post(url(workspace, conversation.publicId))
        .loginAs(owner)
        .withCsrfToken()
        .json({
          template: template.publicId,
          values: {
            'header.1': 'A-77',
            // A newline and a long run of spaces would be refused by Meta (132018).
            'body.1': 'Omar\nK.',
            'body.2': 'Friday      morning',
            'button.1': 'A-77',
            'button.2': 'WELCOME5',
          },
        })
    )
    response.assertStatus(201)
    const message = response.body()
    assert.equal(message.type, 'template')
    assert.equal(message.direction, 'out')
    assert.equal(message.status, 'queued')
    assert.equal(
      message.body,
      '*Order A-77*\n\nHi Omar K., your order ships on Friday morning.\n\nAcme Shop'
    )

    await drainQueue()
    const sent = await sentTo(waId)
    assert.lengthOf(sent, 1)
    assert.deepEqual(sent[0].body.template, {
      name: 'order_shipped',
      language: { code: 'en_US' },
      components: [
        { type: 'header', parameters: [{ type: 'text', text: 'A-77' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Omar K.' },
            { type: 'text', text: 'Friday morning' },
          ],
        },
        {
          type: 'button',
          sub_type: 'url',
          index: '1',
          parameters: [{ type: 'text', text: 'A-77' }],
        },
        {
          type: 'button',
          sub_type: 'copy_code',
          index: '2',
          parameters: [{ type: 'coupon_code', coupon_code: 'WELCOME5' }],
        },
      ],
    })
    const stored = await tenancy.run(workspace.id, () =>
      Message.query().where('public_id', message.id).firstOrFail()
    )
    assert.equal(stored.status, 'sent')
    assert.equal(stored.providerMessageId, sent[0].id)

    // The thread shows what was sent.
    const thread = await json(
      client
        .get(`/w/${workspace.slug}/inbox/conversations/${conversation.publicId}/messages`)
        .loginAs(owner)
    )
    const last = thread.body().items.at(-1)
    assert.equal(last.id, message.id)
    assert.include(last.body, 'Hi Omar K., your order ships on Friday morning.')
  })

  test('a named template is sent with parameter names', async ({ assert, client }) => {
    const { workspace, owner, channel } = a
    const { conversation, waId } = await pickerConversation(workspace, channel, {
      name: 'Lina Haddad',
      windowOpen: true,
    })
    const { template } = await pickerTemplate(workspace, channel, simulator, {
      name: 'named_welcome',
      language: 'ar',
      category: 'MARKETING',
      parameterFormat: 'named',
      components: [
        {
          type: 'HEADER',
          format: 'TEXT',
          text: 'Welcome {{first_name}}',
          example: { header_text_named_params: [{ param_name: 'first_name', example: 'Sam' }] },
        },
        {
          type: 'BODY',
          text: 'Dear {{first_name}}, your code is {{code}}.',
          example: {
            body_text_named_params: [
              { param_name: 'first_name', example: 'Sam' },
              { param_name: 'code', example: 'X1' },
            ],
          },
        },
      ],
    })
    const response = await json(
      client
        .post(url(workspace, conversation.publicId))
        .loginAs(owner)
        .withCsrfToken()
        .json({
          template: template.publicId,
          values: { 'header.first_name': 'Lina', 'body.first_name': 'Lina', 'body.code': 'Q9' },
        })
    )
    response.assertStatus(201)
    assert.equal(response.body().body, '*Welcome Lina*\n\nDear Lina, your code is Q9.')
    await drainQueue()
    const sent = await sentTo(waId)
    assert.lengthOf(sent, 1)
    assert.deepEqual((sent[0].body.template as any).components, [
      {
        type: 'header',
        parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Lina' }],
      },
      {
        type: 'body',
        parameters: [
          { type: 'text', parameter_name: 'first_name', text: 'Lina' },
          { type: 'text', parameter_name: 'code', text: 'Q9' },
        ],
      },
    ])
    assert.deepEqual((sent[0].body.template as any).language, { code: 'ar' })
  })

  test('values Meta would refuse are answered inline, nothing is queued', async ({
    assert,
    client,
  }) => {
    const { workspace, owner, channel } = a
    const { conversation } = await pickerConversation(workspace, channel, { windowOpen: true })
    const { template } = await pickerTemplate(workspace, channel, null, {
      name: 'coupon_offer',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Hi {{1}}' },
        { type: 'BODY', text: 'Your code: {{1}}.' },
        { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'SAVE10' }] },
      ],
    })
    const response = await json(
      client
        .post(url(workspace, conversation.publicId))
        .loginAs(owner)
        .withCsrfToken()
        .json({
          template: template.publicId,
          values: { 'header.1': 'x'.repeat(61), 'body.1': ' \n\t ', 'button.0': 'SAVE-10' },
        })
    )
    response.assertStatus(422)
    const errors = response.body().errors
    assert.deepEqual(
      errors.map((error: any) => [error.field, error.rule]),
      [
        ['header.1', 'max'],
        ['body.1', 'required'],
        ['button.0', 'alphanumeric'],
      ]
    )
    assert.equal(errors[0].message, 'At most 60 characters.')
    const count = await tenancy.run(workspace.id, () =>
      Message.query().where('conversation_id', conversation.id).count('* as total')
    )
    assert.equal(Number(count[0].$extras.total), 0)
  })

  test('permissions and tenancy: no inbox.reply is 403, another workspace’s ids are 404', async ({
    assert,
    client,
  }) => {
    const { workspace, channel } = a
    const { conversation } = await pickerConversation(workspace, channel, { windowOpen: true })
    const { template } = await pickerTemplate(workspace, channel, null, {
      name: 'tenant_check',
      components: [{ type: 'BODY', text: 'Hello' }],
    })
    const marketer = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    const forbidden = await json(
      client.get(url(workspace, conversation.publicId)).loginAs(marketer)
    )
    forbidden.assertStatus(403)

    const other = await pickerWorkspace(numberB)
    const { conversation: theirs } = await pickerConversation(other.workspace, other.channel, {
      windowOpen: true,
    })
    // A's conversation through B's workspace.
    const list = await json(
      client.get(url(other.workspace, conversation.publicId)).loginAs(other.owner)
    )
    list.assertStatus(404)
    const send = await json(
      client
        .post(url(other.workspace, conversation.publicId))
        .loginAs(other.owner)
        .withCsrfToken()
        .json({ template: template.publicId, values: {} })
    )
    send.assertStatus(404)
    // B's own conversation with A's template.
    const foreignTemplate = await json(
      client
        .post(url(other.workspace, theirs.publicId))
        .loginAs(other.owner)
        .withCsrfToken()
        .json({ template: template.publicId, values: {} })
    )
    foreignTemplate.assertStatus(404)
    const count = await tenancy.run(other.workspace.id, () =>
      Message.query().where('conversation_id', theirs.id).count('* as total')
    )
    assert.equal(Number(count[0].$extras.total), 0)
  })

  test('cross-tenant sweep of the picker routes: 404 with an audit row', async ({
    assert,
    client,
  }) => {
    const { conversation } = await pickerConversation(a.workspace, a.channel, { windowOpen: true })
    const intruder = await makeUser()
    const other = await pickerWorkspace({
      phoneNumberId: randomDigits('34', 15),
      wabaId: randomDigits('44', 15),
    })
    await addMember(other.workspace, intruder, 'agent')
    const routes = routesWithParams().filter((route) =>
      route.pattern.startsWith('/w/:workspace/inbox/conversations/:conversation/templates')
    )
    assert.lengthOf(routes, 2)
    const result = await sweep(
      client,
      {
        paramsOfA: { workspace: a.workspace.slug, conversation: conversation.publicId },
        slugOfB: other.workspace.slug,
        intruder,
      },
      routes
    )
    assert.equal(result.checked, 4)
    assert.deepEqual(result.findings, [])
  })

  test('contactValuesFor: fields and typed custom fields of many contacts, this workspace only', async ({
    assert,
  }) => {
    const { workspace, channel } = await pickerWorkspace({
      phoneNumberId: randomDigits('38', 15),
      wabaId: randomDigits('48', 15),
    })
    const first = await pickerConversation(workspace, channel, {
      name: 'Ana María López',
      email: 'ana@example.test',
      windowOpen: true,
    })
    const second = await pickerConversation(workspace, channel, { name: null, windowOpen: true })
    const foreign = await pickerConversation(a.workspace, a.channel, {
      name: 'Not Yours',
      windowOpen: true,
    })
    const values = await tenancy.run(workspace.id, async () => {
      const make = (key: string, type: 'number' | 'date' | 'checkbox' | 'text', position: number) =>
        CustomField.create({ key, label: key, type, options: [], required: false, position })
      const points = await make('points', 'number', 0)
      const birthday = await make('birthday', 'date', 1)
      const vip = await make('vip', 'checkbox', 2)
      const city = await make('city', 'text', 3)
      await writeFieldValues([
        { contactId: first.contact.id, field: points, value: 1250.5 },
        { contactId: first.contact.id, field: birthday, value: '1990-04-01' },
        { contactId: first.contact.id, field: vip, value: true },
        { contactId: second.contact.id, field: vip, value: false },
        { contactId: second.contact.id, field: city, value: 'Cairo' },
      ])
      return contactValuesFor([first.contact.id, second.contact.id, foreign.contact.id])
    })
    assert.deepEqual(values.get(first.contact.id), {
      fields: {
        name: 'Ana María López',
        first_name: 'Ana',
        last_name: 'María López',
        phone: `+${first.waId}`,
        email: 'ana@example.test',
        country: first.contact.country ?? null,
        locale: null,
        timezone: null,
      },
      custom: { points: '1250.5', birthday: '1990-04-01', vip: 'Yes' },
    })
    assert.deepEqual(values.get(second.contact.id)!.custom, { vip: 'No', city: 'Cairo' })
    assert.isNull(values.get(second.contact.id)!.fields.first_name)
    assert.isFalse(values.has(foreign.contact.id))
  })
})
