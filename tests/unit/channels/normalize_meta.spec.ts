import { test } from '@japa/runner'
import { normalizeMetaWebhook, MalformedWebhookError } from '#channels/webhooks/normalize_meta'
import { everyInboundType, inbound, messagesEnvelope } from '#tests/helpers/meta_payloads'

test.group('Meta webhook normaliser', () => {
  test('every inbound type becomes one message with a readable summary', ({ assert }) => {
    const updates = normalizeMetaWebhook(
      messagesEnvelope({
        phoneNumberId: 'PN1',
        contacts: [{ profile: { name: 'Awa' }, wa_id: '15551234567' }],
        messages: everyInboundType('wamid.T'),
      })
    )
    assert.lengthOf(updates, 16)
    const byId = Object.fromEntries(
      updates.map((update: any) => [update.providerMessageId, update])
    )
    assert.equal(byId['wamid.T.text'].body, 'Hello from Dakar')
    assert.equal(byId['wamid.T.image'].body, 'Receipt')
    assert.deepEqual(byId['wamid.T.image'].media, {
      id: 'MEDIA-IMG',
      mimeType: 'image/jpeg',
      sha256: 'abc',
      filename: null,
    })
    assert.equal(byId['wamid.T.document'].body, 'invoice.pdf')
    assert.equal(byId['wamid.T.audio'].media.id, 'MEDIA-AUD')
    assert.equal(byId['wamid.T.location'].body, 'Shop')
    assert.equal(byId['wamid.T.contacts'].body, 'Awa Ndiaye')
    assert.equal(byId['wamid.T.button_reply'].body, 'Yes please')
    assert.equal(byId['wamid.T.button_reply'].replyTo, 'wamid.OUT1')
    assert.equal(byId['wamid.T.list_reply'].body, 'Blue')
    assert.equal(byId['wamid.T.flow'].body, 'Sent')
    assert.equal(byId['wamid.T.button'].body, 'Stop promotions')
    assert.equal(byId['wamid.T.reaction'].body, '👍')
    assert.equal(byId['wamid.T.order'].body, 'Two please')
    assert.equal(byId['wamid.T.system'].body, 'User changed number')
    assert.isNull(byId['wamid.T.unsupported'].body)
    assert.deepEqual((byId['wamid.T.unsupported'].payload as any).errors[0].code, 131051)
    assert.isTrue(updates.every((update: any) => update.contact.profileName === 'Awa'))
  })

  test('batched entries and changes are all read; statuses keep their errors', ({ assert }) => {
    const first = messagesEnvelope({
      phoneNumberId: 'PN1',
      messages: [inbound({ id: 'wamid.A', type: 'text', text: { body: 'a' } })],
    })
    const second = messagesEnvelope({
      phoneNumberId: 'PN2',
      statuses: [
        { id: 'wamid.OUT', status: 'read', timestamp: '1700000000', recipient_id: '1555' },
        {
          id: 'wamid.OUT2',
          status: 'failed',
          timestamp: '1700000001',
          recipient_id: '1555',
          errors: [
            {
              code: 131047,
              title: 'Re-engagement message',
              error_data: { details: 'More than 24 hours have passed' },
            },
          ],
        },
        { id: 'wamid.OUT3', status: 'bogus' },
      ],
    })
    first.entry.push(second.entry[0])
    const updates = normalizeMetaWebhook(first)
    assert.deepEqual(
      updates.map((update) => update.kind),
      ['message', 'status', 'status']
    )
    const failed = updates[2] as any
    assert.equal(failed.phoneNumberId, 'PN2')
    assert.deepEqual(failed.error, {
      code: 131047,
      title: 'Re-engagement message',
      message: 'More than 24 hours have passed',
    })
  })

  test('a user without a phone number (username, 2026) keys on the business-scoped id', ({
    assert,
  }) => {
    for (const from of ['', undefined]) {
      const message: Record<string, unknown> = inbound({
        id: `wamid.U${from}`,
        type: 'text',
        text: { body: 'hi' },
      })
      if (from === undefined) delete message.from
      else message.from = from
      const [update] = normalizeMetaWebhook(
        messagesEnvelope({
          phoneNumberId: 'PN1',
          contacts: [{ profile: { name: 'Kofi' }, wa_id: '', user_id: 'GH.1349120865530274' }],
          messages: [message],
        })
      ) as any[]
      assert.isNull(update.contact.waId)
      assert.equal(update.contact.bsuid, 'GH.1349120865530274')
    }
  })

  test('other fields are passed on; a foreign envelope is refused', ({ assert }) => {
    const updates = normalizeMetaWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          time: 1,
          changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }],
        },
      ],
    })
    assert.deepEqual(updates[0], {
      kind: 'other',
      wabaId: 'WABA',
      field: 'message_template_status_update',
      phoneNumberId: null,
      value: { event: 'APPROVED' },
    })
    assert.throws(
      () => normalizeMetaWebhook({ object: 'page', entry: [] }),
      MalformedWebhookError as any
    )
    assert.throws(() => normalizeMetaWebhook(null), MalformedWebhookError as any)
  })
})
