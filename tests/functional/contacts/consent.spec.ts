import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import ConsentEvent from '#contacts/models/consent_event'
import Conversation from '#inbox/models/conversation'
import Message from '#inbox/models/message'
import MessageTemplate from '#templates/models/message_template'
import AuditLog from '#core/models/audit_log'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { channelDrivers } from '#channels/registry'
import {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type OutboundMessage,
} from '#channels/driver'
import { sendMessage } from '#inbox/actions/send_message'
import {
  marketingAllowed,
  mayReceiveMarketing,
  recordConsent,
  statusOf,
  utilityAllowed,
} from '#contacts/services/consent'
import { normalizePhone } from '#contacts/services/phone'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'
import { inbound, messagesEnvelope, metaJson, metaSignature } from '#tests/helpers/meta_payloads'

const APP_SECRET = 'test-meta-app-secret'

/**
 * A channel driver that keeps what it was asked to send, and answers
 * Meta's 131050 for recipients listed in `stopped`: the send job, the
 * retry logic and the status events run for real, nothing leaves the
 * process and no port is bound.
 */
class RecordingDriver implements ChannelDriver {
  readonly name = 'consent_recording'
  sent: { to: string; text: string | null }[] = []
  stopped = new Set<string>()
  async send(_credentials: ChannelCredentials, message: OutboundMessage) {
    if (this.stopped.has(message.to)) {
      throw new ChannelSendError(
        'This message was not delivered to maintain healthy ecosystem engagement.',
        131050,
        'give_up',
        null,
        'User stopped marketing messages'
      )
    }
    const content = message.content
    this.sent.push({ to: message.to, text: content.type === 'text' ? content.text : null })
    return { providerMessageId: `wamid.fake.${randomBytes(6).toString('hex')}`, waId: message.to }
  }
  async markRead() {}
  async typing() {}
  async uploadMedia(): Promise<{ mediaId: string }> {
    throw new Error('not supported')
  }
  async downloadMedia(): Promise<{ bytes: Uint8Array; mimeType: string; sha256: string | null }> {
    throw new Error('not supported')
  }
  async health() {
    return { status: 'connected' } as any
  }
}

const driver = new RecordingDriver()
if (!channelDrivers.has(driver.name)) channelDrivers.register(driver)

async function workspaceWithChannel() {
  const { workspace, owner } = await makeWorkspace()
  const phoneNumberId = `PNC${randomBytes(5).toString('hex')}`
  const channel = await tenancy.run(workspace.id, () =>
    Channel.create({
      driver: driver.name,
      name: 'Consent test number',
      displayPhoneNumber: '+1 555 000 2222',
      phoneNumberId,
      wabaId: 'WABA-CONSENT',
      accessToken: 'token-consent',
      webhookKey: newWebhookKey(),
      status: 'connected',
      settings: {},
    })
  )
  return { workspace, owner, channel, phoneNumberId }
}

function randomWaId() {
  return `1555${(randomBytes(3).readUIntBE(0, 3) % 10_000_000).toString().padStart(7, '0')}`
}

async function postSigned(client: any, payload: unknown) {
  const body = metaJson(payload)
  const response = await client
    .post('/webhooks/meta')
    .header('content-type', 'application/json')
    .header('x-hub-signature-256', metaSignature(body, APP_SECRET))
    .json(body)
  response.assertStatus(200)
}

function textMessage(phoneNumberId: string, from: string, text: string, id?: string) {
  const wamid = id ?? `wamid.${randomBytes(8).toString('hex')}`
  return {
    wamid,
    payload: messagesEnvelope({
      phoneNumberId,
      contacts: [{ profile: { name: 'Customer' }, wa_id: from }],
      messages: [inbound({ id: wamid, from, type: 'text', text: { body: text } })],
    }),
  }
}

function userPreferences(
  phoneNumberId: string,
  entries: { waId: string; value: 'stop' | 'resume'; timestamp: number }[]
) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA-CONSENT',
        changes: [
          {
            field: 'user_preferences',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550002222', phone_number_id: phoneNumberId },
              contacts: entries.map((entry) => ({ wa_id: entry.waId, profile: { name: 'C' } })),
              user_preferences: entries.map((entry) => ({
                wa_id: entry.waId,
                detail: 'User requested to stop marketing messages',
                category: 'marketing_messages',
                value: entry.value,
                timestamp: entry.timestamp,
              })),
            },
          },
        ],
      },
    ],
  }
}

async function contactByWaId(workspace: Workspace, waId: string) {
  return tenancy.run(workspace.id, () => Contact.query().where('wa_id', waId).firstOrFail())
}

async function eventsOf(workspace: Workspace, contactId: number) {
  return tenancy.run(workspace.id, () =>
    ConsentEvent.query().where('contact_id', contactId).orderBy('id')
  )
}

test.group('Consent registry: derivation and the log', () => {
  test('defaults: marketing needs an opt-in, utility is allowed until an opt-out', async ({
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: randomWaId() })
      const marketing = await statusOf(contact, 'marketing')
      assert.equal(marketing.state, 'none')
      assert.isFalse(marketing.allowed)
      assert.isFalse(await mayReceiveMarketing(contact))
      const utility = await statusOf(contact, 'utility')
      assert.equal(utility.state, 'none')
      assert.isTrue(utility.allowed)

      await recordConsent({
        contactId: contact.id,
        event: 'opt_out',
        scope: 'utility',
        source: 'agent',
      })
      assert.isFalse((await statusOf(contact, 'utility')).allowed)
      // Scopes are independent.
      assert.equal((await statusOf(contact, 'marketing')).state, 'none')
    })
  })

  test('the latest event wins by occurrence time, not by insertion order', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: randomWaId() })
      const now = DateTime.now()
      await recordConsent({
        contactId: contact.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'form',
        proof: { text: 'Checkbox on /signup', ip: '203.0.113.7' },
        occurredAt: now.minus({ hours: 2 }),
      })
      assert.isTrue(await mayReceiveMarketing(contact))
      await recordConsent({
        contactId: contact.id,
        event: 'opt_out',
        scope: 'marketing',
        source: 'agent',
        occurredAt: now.minus({ hours: 1 }),
      })
      assert.isFalse(await mayReceiveMarketing(contact))
      // A late-delivered older opt-in changes nothing.
      await recordConsent({
        contactId: contact.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'import',
        proof: { fileRow: 12 },
        occurredAt: now.minus({ hours: 3 }),
      })
      const status = await statusOf(contact, 'marketing')
      assert.equal(status.state, 'opted_out')
      assert.equal(status.source, 'agent')
      assert.isFalse((await marketingAllowed([contact.id])).has(contact.id))
      // Same instant: the later row wins.
      const at = now.minus({ minutes: 5 })
      await recordConsent({
        contactId: contact.id,
        event: 'opt_out',
        scope: 'marketing',
        source: 'api',
        occurredAt: at,
      })
      await recordConsent({
        contactId: contact.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'api',
        occurredAt: at,
      })
      assert.isTrue(await mayReceiveMarketing(contact))
      assert.isTrue((await marketingAllowed([contact.id])).has(contact.id))
    })
  })

  test('rows are append-only: updates and deletes are refused', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId: randomWaId() })
      const event = await recordConsent({
        contactId: contact.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'agent',
      })
      event!.event = 'opt_out'
      await assert.rejects(() => event!.save(), /append-only/)
      const fresh = await ConsentEvent.findOrFail(event!.id)
      await assert.rejects(() => fresh.delete(), /append-only/)
      const again = await ConsentEvent.findOrFail(event!.id)
      assert.equal(again.event, 'opt_in')
    })
  })

  test('marketingAllowed answers for a whole audience at once', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      const contacts = await Contact.createMany(
        Array.from({ length: 620 }, (_, index) => ({
          waId: `1444${String(index).padStart(7, '0')}`,
        }))
      )
      const expected = new Set<number>()
      for (const [index, contact] of contacts.entries()) {
        if (index % 3 === 0) continue // never asked: not allowed
        await recordConsent({
          contactId: contact.id,
          event: 'opt_in',
          scope: 'marketing',
          source: 'import',
          occurredAt: DateTime.now().minus({ days: 2 }),
        })
        if (index % 3 === 2) {
          await recordConsent({
            contactId: contact.id,
            event: 'opt_out',
            scope: 'marketing',
            source: 'keyword',
            occurredAt: DateTime.now().minus({ days: 1 }),
          })
        } else {
          expected.add(contact.id)
        }
      }
      const ids = contacts.map((contact) => contact.id)
      const allowed = await marketingAllowed([...ids, ...ids.slice(0, 5), 999_999_999])
      assert.deepEqual(
        [...allowed].sort((a, b) => a - b),
        [...expected].sort((a, b) => a - b)
      )
      const utility = await utilityAllowed([...ids, 999_999_999])
      assert.equal(utility.size, ids.length)
    })
  })

  test('normalizePhone: E.164 or a reason', ({ assert }) => {
    assert.deepInclude(normalizePhone('06 12 34 56 78', 'FR'), { ok: true, e164: '+33612345678' })
    assert.deepInclude(normalizePhone('0033 6 12 34 56 78', null), { e164: '+33612345678' })
    assert.deepInclude(normalizePhone('06 12 34 56 78', null), {
      ok: false,
      reason: 'invalid_country',
    })
    assert.deepInclude(normalizePhone('hello', 'FR'), { ok: false, reason: 'not_a_number' })
    assert.deepInclude(normalizePhone('', 'FR'), { ok: false, reason: 'empty' })
    assert.isFalse(normalizePhone('12', 'FR').ok)
  })
})

test.group('Consent registry: keywords, Meta notices and errors', () => {
  test('STOP and ARRÊT opt out, START opts back in, each confirmed in its language', async ({
    client,
    assert,
  }) => {
    const { workspace, phoneNumberId } = await workspaceWithChannel()
    const waId = randomWaId()

    await postSigned(client, textMessage(phoneNumberId, waId, '  stop ').payload)
    await drainQueue()
    const contact = await contactByWaId(workspace, waId)
    assert.equal(contact.phone, `+${waId}`)
    let events = await eventsOf(workspace, contact.id)
    assert.lengthOf(events, 1)
    assert.include(events[0].toJSON(), {
      event: 'opt_out',
      scope: 'marketing',
      channel: 'whatsapp',
      source: 'keyword',
      proofText: '  stop ',
    })
    assert.isNotNull(events[0].messageId)
    const english = driver.sent.filter((entry) => entry.to === waId)
    assert.lengthOf(english, 1)
    assert.include(english[0].text!, 'no longer receive marketing')

    await postSigned(client, textMessage(phoneNumberId, waId, 'Start!').payload)
    await drainQueue()
    assert.isTrue(await tenancy.run(workspace.id, () => mayReceiveMarketing(contact)))

    await postSigned(client, textMessage(phoneNumberId, waId, 'Arrêt').payload)
    await drainQueue()
    events = await eventsOf(workspace, contact.id)
    assert.deepEqual(
      events.map((event) => event.event),
      ['opt_out', 'opt_in', 'opt_out']
    )
    const sent = driver.sent.filter((entry) => entry.to === waId)
    assert.lengthOf(sent, 3)
    assert.include(sent[2].text!, 'Vous ne recevrez plus')

    // The confirmations are ordinary outbound messages in the conversation.
    const outbound = await tenancy.run(workspace.id, () =>
      Message.query().where('direction', 'out').orderBy('id')
    )
    assert.lengthOf(outbound, 3)
    assert.isTrue(outbound.every((message) => message.status === 'sent'))

    // A message that only contains a keyword among other words is not one.
    await postSigned(client, textMessage(phoneNumberId, waId, 'please do not stop').payload)
    await drainQueue()
    assert.lengthOf(await eventsOf(workspace, contact.id), 3)
  })

  test('a replayed keyword message records one event and sends one confirmation', async ({
    client,
    assert,
  }) => {
    const { workspace, phoneNumberId } = await workspaceWithChannel()
    const waId = randomWaId()
    const { wamid, payload } = textMessage(phoneNumberId, waId, 'BAJA')
    await postSigned(client, payload)
    await drainQueue()
    // Meta redelivers the same message.
    await postSigned(client, payload)
    await drainQueue()
    // And the event is emitted again, as a retried job would.
    const message = await tenancy.run(workspace.id, () =>
      Message.findByOrFail('provider_message_id', wamid)
    )
    const contact = await contactByWaId(workspace, waId)
    const { default: emitter } = await import('@adonisjs/core/services/emitter')
    await emitter.emit('inbox:messages_received', {
      workspaceId: workspace.id,
      messages: [
        {
          conversationId: message.conversationId,
          messageId: message.id,
          contactId: contact.id,
          channelId: message.channelId,
          type: message.type,
          body: message.body,
          at: message.createdAt,
          firstInbound: true,
        },
      ],
    })
    await drainQueue()

    const events = await eventsOf(workspace, contact.id)
    assert.lengthOf(events, 1)
    assert.equal(events[0].messageId, message.id)
    const sent = driver.sent.filter((entry) => entry.to === waId)
    assert.lengthOf(sent, 1)
    assert.include(sent[0].text!, 'Ya no recibirás')
  })

  test('user_preferences stop and resume from Meta; unknown contacts are created', async ({
    client,
    assert,
  }) => {
    const { workspace, phoneNumberId } = await workspaceWithChannel()
    const waId = randomWaId()
    const t0 = Math.floor(Date.now() / 1000) - 600

    await tenancy.run(workspace.id, async () => {
      const contact = await Contact.create({ waId })
      await recordConsent({
        contactId: contact.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'form',
        occurredAt: DateTime.fromSeconds(t0 - 600),
      })
    })
    const stop = userPreferences(phoneNumberId, [{ waId, value: 'stop', timestamp: t0 }])
    await postSigned(client, stop)
    await drainQueue()
    const contact = await contactByWaId(workspace, waId)
    assert.isFalse(await tenancy.run(workspace.id, () => mayReceiveMarketing(contact)))

    // Redelivered: nothing new.
    await postSigned(client, stop)
    await drainQueue()
    assert.lengthOf(await eventsOf(workspace, contact.id), 2)

    const stranger = randomWaId()
    await postSigned(
      client,
      userPreferences(phoneNumberId, [
        { waId, value: 'resume', timestamp: t0 + 60 },
        { waId: stranger, value: 'stop', timestamp: t0 + 60 },
      ])
    )
    await drainQueue()
    const events = await eventsOf(workspace, contact.id)
    assert.deepEqual(
      events.map((event) => [event.event, event.source]),
      [
        ['opt_in', 'form'],
        ['opt_out', 'meta_user_preferences'],
        ['opt_in', 'meta_user_preferences'],
      ]
    )
    assert.equal(events[1].occurredAt.toUnixInteger(), t0)
    assert.isTrue(await tenancy.run(workspace.id, () => mayReceiveMarketing(contact)))
    const created = await contactByWaId(workspace, stranger)
    assert.equal(created.phone, `+${stranger}`)
    const strangerStatus = await tenancy.run(workspace.id, () => statusOf(created, 'marketing'))
    assert.equal(strangerStatus.state, 'opted_out')
  })

  test('a send refused with error 131050 records a marketing opt-out once', async ({
    client,
    assert,
  }) => {
    const { workspace, phoneNumberId } = await workspaceWithChannel()
    const waId = randomWaId()
    await postSigned(client, textMessage(phoneNumberId, waId, 'Hello there').payload)
    await drainQueue()
    const contact = await contactByWaId(workspace, waId)
    await tenancy.run(workspace.id, () =>
      recordConsent({
        contactId: contact.id,
        event: 'opt_in',
        scope: 'marketing',
        source: 'form',
        occurredAt: DateTime.now().minus({ days: 1 }),
      })
    )

    driver.stopped.add(waId)
    const failed = await tenancy.run(workspace.id, async () => {
      // Only approved templates are sent (#templates/services/guard).
      await MessageTemplate.create({
        wabaId: 'WABA-CONSENT',
        name: 'spring_sale',
        language: 'en',
        category: 'MARKETING',
        parameterFormat: 'positional',
        components: [{ type: 'BODY', text: 'Spring sale' }],
        status: 'APPROVED',
      })
      const conversation = await Conversation.query().where('contact_id', contact.id).firstOrFail()
      return sendMessage({
        conversation,
        content: { type: 'template', name: 'spring_sale', language: 'en', components: [] } as any,
      })
    })
    await drainQueue()
    driver.stopped.delete(waId)

    await tenancy.run(workspace.id, async () => {
      await failed.refresh()
      assert.equal(failed.status, 'failed')
      assert.equal(failed.errorCode, 131050)
      const status = await statusOf(contact, 'marketing')
      assert.equal(status.state, 'opted_out')
      assert.equal(status.source, 'error_131050')
    })
    // The status event again (a retried job): still one event.
    const { default: emitter } = await import('@adonisjs/core/services/emitter')
    await emitter.emit('inbox:message_status', {
      workspaceId: workspace.id,
      conversationId: failed.conversationId,
      messageId: failed.id,
      status: 'failed',
    })
    const events = await eventsOf(workspace, contact.id)
    assert.deepEqual(
      events.map((event) => event.source),
      ['form', 'error_131050']
    )
    assert.equal(events[1].messageId, failed.id)
  })
})

test.group('Consent registry: settings and isolation', () => {
  test('the settings page shows the defaults and saves keywords that then apply', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, phoneNumberId } = await workspaceWithChannel()
    const page = await client
      .get(`/w/${workspace.slug}/settings/consent`)
      .loginAs(owner)
      .withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('settings/consent')
    const props = page.inertiaProps as any
    assert.includeMembers(
      props.languages.map((language: any) => language.locale),
      ['en', 'fr', 'es', 'pt', 'ar']
    )

    const save = await client
      .put(`/w/${workspace.slug}/settings/consent`)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', `/w/${workspace.slug}/settings/consent`)
      .json({
        languages: [
          {
            locale: 'en',
            optOut: 'STOP, HALT',
            optIn: 'START',
            optOutReply: 'Halted. Reply START to resume.',
            optInReply: 'Welcome back.',
          },
        ],
      })
      .redirects(0)
    save.assertStatus(302)
    save.assertFlashMessage('success', 'Consent keywords saved.')
    assert.exists(
      await AuditLog.query()
        .where('workspace_id', workspace.id)
        .where('action', 'consent.keywords_updated')
        .first()
    )

    const waId = randomWaId()
    await postSigned(client, textMessage(phoneNumberId, waId, 'halt').payload)
    await postSigned(client, textMessage(phoneNumberId, waId, 'BAJA').payload)
    await drainQueue()
    const contact = await contactByWaId(workspace, waId)
    const events = await eventsOf(workspace, contact.id)
    assert.lengthOf(events, 1, 'BAJA is no longer a keyword of this workspace')
    assert.deepInclude(
      driver.sent.filter((entry) => entry.to === waId),
      {
        to: waId,
        text: 'Halted. Reply START to resume.',
      }
    )
  })

  test('invalid keywords are reported inline, field by field', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const url = `/w/${workspace.slug}/settings/consent`
    const empty = await client
      .put(url)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', url)
      .json({
        languages: [
          { locale: 'en', optOut: '', optIn: 'START', optOutReply: 'Bye', optInReply: 'Hi there' },
          { locale: 'xx', optOut: 'A', optIn: 'B', optOutReply: 'Bye', optInReply: 'Hi there' },
        ],
      })
      .redirects(0)
    empty.assertStatus(302)
    const errors = (empty.flashMessages() as any).errors
    assert.properties(errors, ['languages.0.optOut', 'languages.1.locale'])
    assert.notProperty(errors, 'languages.0.optIn')

    const clash = await client
      .put(url)
      .loginAs(owner)
      .withCsrfToken()
      .header('referer', url)
      .json({
        languages: [
          { locale: 'en', optOut: 'STOP', optIn: 'START', optOutReply: 'Bye', optInReply: 'Hi' },
          {
            locale: 'fr',
            optOut: 'ARRET',
            optIn: 'stop',
            optOutReply: 'Au revoir',
            optInReply: 'Salut',
          },
        ],
      })
      .redirects(0)
    clash.assertStatus(302)
    clash.assertFlashMessage('errors', {
      'languages.1.optIn': ['“stop” is already used for the opposite action.'],
    } as any)
  })

  test('members without settings.workspace cannot open or change the keywords', async ({
    client,
  }) => {
    const { workspace } = await makeWorkspace()
    const agent = await makeUser({ fullName: 'Agent' })
    await addMember(workspace, agent, 'agent')
    const url = `/w/${workspace.slug}/settings/consent`
    const page = await client.get(url).loginAs(agent).withInertia()
    page.assertStatus(403)
    const save = await client
      .put(url)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ languages: [] })
    save.assertStatus(403)
  })

  test('two workspaces: events, keywords and audiences stay apart', async ({ client, assert }) => {
    const a = await workspaceWithChannel()
    const b = await workspaceWithChannel()
    const waId = randomWaId()
    // The same person writes to both businesses; only A hears STOP.
    await postSigned(client, textMessage(a.phoneNumberId, waId, 'STOP').payload)
    await postSigned(client, textMessage(b.phoneNumberId, waId, 'Hello').payload)
    await postSigned(
      client,
      userPreferences(b.phoneNumberId, [
        { waId, value: 'resume', timestamp: Math.floor(Date.now() / 1000) },
      ])
    )
    await drainQueue()
    const inA = await contactByWaId(a.workspace, waId)
    const inB = await contactByWaId(b.workspace, waId)
    assert.notEqual(inA.id, inB.id)
    assert.deepEqual(
      (await eventsOf(a.workspace, inA.id)).map((event) => event.source),
      ['keyword']
    )
    assert.deepEqual(
      (await eventsOf(b.workspace, inB.id)).map((event) => event.source),
      ['meta_user_preferences']
    )
    // B's ids asked from A are unknown there; and the other way round.
    assert.equal((await tenancy.run(a.workspace.id, () => marketingAllowed([inB.id]))).size, 0)
    assert.isTrue(
      (await tenancy.run(b.workspace.id, () => marketingAllowed([inA.id, inB.id]))).has(inB.id)
    )
    assert.isFalse(
      (await tenancy.run(b.workspace.id, () => marketingAllowed([inA.id, inB.id]))).has(inA.id)
    )
    assert.equal((await tenancy.run(b.workspace.id, () => utilityAllowed([inA.id]))).size, 0)
    // A's events are invisible from B through the model.
    assert.lengthOf(await eventsOf(b.workspace, inA.id), 0)
    // A's keyword settings are not B's.
    await client
      .put(`/w/${a.workspace.slug}/settings/consent`)
      .loginAs(a.owner)
      .withCsrfToken()
      .header('referer', `/w/${a.workspace.slug}/settings/consent`)
      .json({
        languages: [
          { locale: 'en', optOut: 'QUIT', optIn: 'JOIN', optOutReply: 'Bye', optInReply: 'Hi' },
        ],
      })
      .redirects(0)
    const pageB = await client
      .get(`/w/${b.workspace.slug}/settings/consent`)
      .loginAs(b.owner)
      .withInertia()
    assert.notInclude(
      (pageB.inertiaProps as any).languages.map((language: any) => language.optOut),
      'QUIT'
    )
    // Recording in A for B's contact is refused by the composite key.
    await assert.rejects(() =>
      tenancy.run(a.workspace.id, () =>
        recordConsent({ contactId: inB.id, event: 'opt_in', scope: 'marketing', source: 'api' })
      )
    )
  })
})
