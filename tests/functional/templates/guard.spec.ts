import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import Message from '#inbox/models/message'
import type Channel from '#channels/models/channel'
import type User from '#core/models/user'
import type Workspace from '#core/models/workspace'
import type { MetaSimulator } from '#channels/simulator/index'
import { tenancy } from '#core/tenancy/context'
import { sendMessage } from '#inbox/actions/send_message'
import {
  approvedTemplateById,
  assertTemplateSendable,
  TemplateNotApprovedException,
} from '#templates/services/guard'
import { drainQueue } from '#tests/helpers/queue'
import { addMember, makeUser } from '#tests/helpers/fixtures'
import {
  pickerConversation,
  pickerTemplate,
  pickerWorkspace,
  randomDigits,
  setTemplateStatus,
  startPickerSimulator,
} from '#tests/helpers/picker'

const json = (request: any) => request.header('accept', 'application/json')

/**
 * Only APPROVED templates leave Parley, whoever asks: the picker (HTTP),
 * `sendMessage` (API, flows) and the send job just before the provider.
 */
test.group('Template guard', (group) => {
  const number = { phoneNumberId: randomDigits('35', 15), wabaId: randomDigits('45', 15) }
  let simulator: MetaSimulator
  let a: { workspace: Workspace; owner: User; channel: Channel }

  group.setup(async () => {
    simulator = await startPickerSimulator([number])
    a = await pickerWorkspace(number)
    return () => simulator.stop()
  })

  const body = [{ type: 'BODY' as const, text: 'Your appointment is confirmed.' }]
  const url = (conversation: string) =>
    `/w/${a.workspace.slug}/inbox/conversations/${conversation}/templates`

  async function messagesOf(conversationId: number) {
    return tenancy.run(a.workspace.id, () =>
      Message.query().where('conversation_id', conversationId)
    )
  }

  test('an approved template is sent', async ({ assert, client }) => {
    const { conversation, waId } = await pickerConversation(a.workspace, a.channel, {
      windowOpen: false,
    })
    const { template } = await pickerTemplate(a.workspace, a.channel, simulator, {
      name: 'guard_approved',
      components: body,
    })
    const response = await json(
      client
        .post(url(conversation.publicId))
        .loginAs(a.owner)
        .withCsrfToken()
        .json({ template: template.publicId, values: {} })
    )
    response.assertStatus(201)
    assert.equal(response.body().body, 'Your appointment is confirmed.')
    await drainQueue()
    await simulator.idle()
    const sent = simulator.state.sent.filter((entry) => entry.waId === waId)
    assert.lengthOf(sent, 1)
    assert.equal((sent[0].body.template as any).name, 'guard_approved')
    const [message] = await messagesOf(conversation.id)
    assert.equal(message.status, 'sent')
  })

  const refused = [
    { status: 'PENDING', reason: 'pending', text: /still in review at Meta \(pending\)/ },
    { status: 'REJECTED', reason: 'rejected', text: /was rejected by Meta/ },
    {
      status: 'PAUSED',
      reason: 'paused',
      text: /paused by Meta for low quality until 2030-01-02 03:04 UTC/,
    },
    { status: 'DISABLED', reason: 'disabled', text: /was disabled by Meta/ },
    { status: 'DRAFT', reason: 'draft', text: /has not been submitted to Meta yet/ },
  ] as const

  for (const { status, reason, text } of refused) {
    test(`a ${status.toLowerCase()} template is refused through HTTP (422, nothing queued)`, async ({
      assert,
      client,
    }) => {
      const { conversation } = await pickerConversation(a.workspace, a.channel, {
        windowOpen: true,
      })
      const { template } = await pickerTemplate(a.workspace, a.channel, null, {
        name: `guard_${status.toLowerCase()}`,
        components: body,
        status,
        pausedUntil:
          status === 'PAUSED' ? DateTime.fromISO('2030-01-02T03:04:00Z', { zone: 'utc' }) : null,
      })
      const response = await json(
        client
          .post(url(conversation.publicId))
          .loginAs(a.owner)
          .withCsrfToken()
          .json({ template: template.publicId, values: {} })
      )
      response.assertStatus(422)
      const [error] = response.body().errors
      assert.equal(error.code, 'E_TEMPLATE_NOT_APPROVED')
      assert.equal(error.reason, reason)
      assert.equal(error.status, status)
      assert.match(error.message, text)
      assert.include(error.message, `guard_${status.toLowerCase()}`)
      assert.lengthOf(await messagesOf(conversation.id), 0)
    })
  }

  test('the message is translated for an Arabic interface', async ({ assert, client }) => {
    const { conversation } = await pickerConversation(a.workspace, a.channel, {
      windowOpen: true,
    })
    const { template } = await pickerTemplate(a.workspace, a.channel, null, {
      name: 'guard_arabic',
      components: body,
      status: 'PENDING',
    })
    const agent = await makeUser({ locale: 'ar' })
    await addMember(a.workspace, agent, 'agent')
    const response = await json(
      client
        .post(url(conversation.publicId))
        .loginAs(agent)
        .withCsrfToken()
        .json({ template: template.publicId, values: {} })
    )
    response.assertStatus(422)
    assert.include(response.body().errors[0].message, 'قيد المراجعة')
  })

  test('sendMessage (API, flows) refuses a template that is not approved or does not exist', async ({
    assert,
  }) => {
    const { conversation } = await pickerConversation(a.workspace, a.channel, {
      windowOpen: false,
    })
    await pickerTemplate(a.workspace, a.channel, null, {
      name: 'guard_api_rejected',
      components: body,
      status: 'REJECTED',
      rejectedReason: 'INVALID_FORMAT',
    })
    await tenancy.run(a.workspace.id, async () => {
      const rejected = await sendMessage({
        conversation,
        content: { type: 'template', name: 'guard_api_rejected', language: 'en_US' },
      }).catch((error) => error)
      assert.instanceOf(rejected, TemplateNotApprovedException)
      assert.equal(rejected.reason, 'rejected')
      assert.equal(rejected.status, 422)
      assert.equal(rejected.code, 'E_TEMPLATE_NOT_APPROVED')
      assert.include(rejected.message, 'INVALID_FORMAT')

      // Right name, wrong language: unknown (Meta would answer 132001).
      const unknown = await sendMessage({
        conversation,
        content: { type: 'template', name: 'guard_api_rejected', language: 'fr' },
      }).catch((error) => error)
      assert.instanceOf(unknown, TemplateNotApprovedException)
      assert.equal(unknown.reason, 'unknown')
    })
    assert.lengthOf(await messagesOf(conversation.id), 0)
  })

  test('a template paused after queueing fails at send time with the reason, the driver is not called', async ({
    assert,
  }) => {
    const { conversation, waId } = await pickerConversation(a.workspace, a.channel, {
      windowOpen: false,
    })
    const { template } = await pickerTemplate(a.workspace, a.channel, simulator, {
      name: 'guard_paused_later',
      components: [{ type: 'BODY', text: 'Hi {{1}}!' }],
    })
    const message = await tenancy.run(a.workspace.id, () =>
      sendMessage({
        conversation,
        content: {
          type: 'template',
          name: 'guard_paused_later',
          language: 'en_US',
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }],
        },
      })
    )
    assert.equal(message.status, 'queued')
    assert.equal(message.body, 'Hi Ana!')
    // Meta pauses it while the message waits in the queue.
    await setTemplateStatus(a.workspace, template, 'PAUSED', {
      pausedUntil: DateTime.fromISO('2030-05-06T07:08:00Z', { zone: 'utc' }),
    })
    await drainQueue()
    await simulator.idle()
    await tenancy.run(a.workspace.id, () => message.refresh())
    assert.equal(message.status, 'failed')
    assert.equal(message.errorTitle, 'Template not approved')
    assert.include(
      message.errorMessage!,
      'paused by Meta for low quality until 2030-05-06 07:08 UTC'
    )
    assert.isNull(message.providerMessageId)
    assert.lengthOf(
      simulator.state.sent.filter((entry) => entry.waId === waId),
      0
    )
  })

  test('lookups by WABA and by id, cached for a few seconds unless fresh', async ({ assert }) => {
    const { template } = await pickerTemplate(a.workspace, a.channel, null, {
      name: 'guard_lookup',
      components: body,
    })
    await tenancy.run(a.workspace.id, async () => {
      const byWaba = await assertTemplateSendable({
        wabaId: number.wabaId,
        name: 'guard_lookup',
        language: 'en_US',
      })
      assert.equal(byWaba.id, template.id)
      assert.equal((await approvedTemplateById(template.id)).id, template.id)
    })
    await setTemplateStatus(a.workspace, template, 'DISABLED')
    await tenancy.run(a.workspace.id, async () => {
      // Cached (≤ 5 s): still approved for the dispatcher's next batch…
      const cached = await approvedTemplateById(template.id)
      assert.equal(cached.status, 'APPROVED')
      // …but a fresh read sees the change.
      const fresh = await approvedTemplateById(template.id, { fresh: true }).catch((e) => e)
      assert.instanceOf(fresh, TemplateNotApprovedException)
      assert.equal(fresh.reason, 'disabled')
      const byWaba = await assertTemplateSendable(
        { wabaId: number.wabaId, name: 'guard_lookup', language: 'en_US' },
        { fresh: true }
      ).catch((e) => e)
      assert.equal(byWaba.reason, 'disabled')
    })
    // Another workspace cannot reach it by id.
    const other = await pickerWorkspace({
      phoneNumberId: randomDigits('36', 15),
      wabaId: number.wabaId,
    })
    await tenancy.run(other.workspace.id, async () => {
      const foreign = await approvedTemplateById(template.id, { fresh: true }).catch((e) => e)
      assert.instanceOf(foreign, TemplateNotApprovedException)
      assert.equal(foreign.reason, 'unknown')
      const byName = await assertTemplateSendable(
        { wabaId: number.wabaId, name: 'guard_lookup', language: 'en_US' },
        { fresh: true }
      ).catch((e) => e)
      assert.equal(byName.reason, 'unknown')
    })
  })
})
