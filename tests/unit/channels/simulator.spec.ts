import { test } from '@japa/runner'
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createMetaSimulator, serializeLikeMeta, signPayload } from '#channels/simulator/index'
import type { MetaSimulatorOptions, SimulatorNumber } from '#channels/simulator/index'

const APP_SECRET = 'test-app-secret'
const TOKEN = 'EAAtesttoken'
const NUMBER: SimulatorNumber = {
  phoneNumberId: '111000000000001',
  wabaId: '222000000000001',
  displayPhoneNumber: '+1 555-010-0001',
  verifiedName: 'Acme',
  qualityRating: 'GREEN',
}
const SECOND: SimulatorNumber = {
  phoneNumberId: '111000000000002',
  wabaId: '222000000000002',
  displayPhoneNumber: '+971 4 555 0002',
  verifiedName: 'Acme Gulf',
  qualityRating: 'GREEN',
}

type Received = { headers: IncomingHttpHeaders; raw: Buffer; json: any }

/** A throwaway webhook receiver that records the exact bytes it gets. */
async function startReceiver() {
  const received: Received[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const raw = Buffer.concat(chunks)
      received.push({ headers: request.headers, raw, json: JSON.parse(raw.toString('utf8')) })
      response.writeHead(200).end('EVENT_RECEIVED')
      for (const waiter of [...waiters]) {
        if (received.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/webhooks/meta`,
    received,
    waitFor(count: number) {
      if (received.length >= count) return Promise.resolve()
      return new Promise<void>((resolve) => waiters.push({ count, resolve }))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function startSimulator(
  cleanup: (fn: () => Promise<void>) => void,
  options: MetaSimulatorOptions = {}
) {
  const simulator = createMetaSimulator({
    appSecret: APP_SECRET,
    accessTokens: [TOKEN],
    numbers: [NUMBER, SECOND],
    ...options,
  })
  const { url } = await simulator.start()
  cleanup(() => simulator.stop())
  const graph = `${url}/v24.0`
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = TOKEN
  ): Promise<{ status: number; json: any }> => {
    const headers: Record<string, string> = {}
    if (token !== null) headers.authorization = `Bearer ${token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(`${graph}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, json: await response.json() }
  }
  return { simulator, url, graph, call }
}

const textTo = (to: string, body: string) => ({
  messaging_product: 'whatsapp',
  to,
  type: 'text',
  text: { body },
})

const verify = (raw: Buffer, header: string | undefined) => {
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`
  )
  return header !== undefined && header.length === expected.length
    ? timingSafeEqual(Buffer.from(header), expected)
    : false
}

test.group('Meta simulator | sending', () => {
  test('send validation answers with Meta codes, shape and HTTP statuses', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await startSimulator(cleanup)
    const path = `/${NUMBER.phoneNumberId}/messages`
    const button = (title: string) => ({ type: 'reply', reply: { id: title, title } })
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }))
    const cases: [string, unknown, number][] = [
      ['no messaging_product', { to: '15550001111', type: 'text', text: { body: 'x' } }, 131008],
      [
        'wrong messaging_product',
        { ...textTo('15550001111', 'x'), messaging_product: 'sms' },
        131009,
      ],
      ['no to', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 131008],
      [
        'unknown type',
        { messaging_product: 'whatsapp', to: '15550001111', type: 'poll', poll: {} },
        131009,
      ],
      ['text too long', textTo('15550001111', 'a'.repeat(4097)), 100],
      [
        'media without id or link',
        { messaging_product: 'whatsapp', to: '1555000111', type: 'image', image: {} },
        131008,
      ],
      [
        'caption too long',
        {
          messaging_product: 'whatsapp',
          to: '15550001111',
          type: 'image',
          image: { id: '1', caption: 'c'.repeat(1025) },
        },
        100,
      ],
      [
        'four buttons',
        {
          messaging_product: 'whatsapp',
          to: '15550001111',
          type: 'interactive',
          interactive: {
            type: 'button',
            body: { text: 'Pick' },
            action: { buttons: ['a', 'b', 'c', 'd'].map(button) },
          },
        },
        131009,
      ],
      [
        'button title over 20',
        {
          messaging_product: 'whatsapp',
          to: '15550001111',
          type: 'interactive',
          interactive: {
            type: 'button',
            body: { text: 'Pick' },
            action: { buttons: [button('x'.repeat(21))] },
          },
        },
        131009,
      ],
      [
        'list with 11 rows in total',
        {
          messaging_product: 'whatsapp',
          to: '15550001111',
          type: 'interactive',
          interactive: {
            type: 'list',
            body: { text: 'Menu' },
            action: {
              button: 'Open',
              sections: [
                { title: 'One', rows: rows(6) },
                { title: 'Two', rows: rows(5) },
              ],
            },
          },
        },
        131009,
      ],
      [
        'reaction without message_id',
        {
          messaging_product: 'whatsapp',
          to: '15550001111',
          type: 'reaction',
          reaction: { emoji: '👍' },
        },
        131008,
      ],
    ]
    for (const [label, body, code] of cases) {
      const { status, json } = await call('POST', path, body)
      assert.equal(status, 400, label)
      assert.equal(json.error.code, code, label)
      assert.match(json.error.message, new RegExp(`^\\(#${code}\\) `), label)
      assert.equal(json.error.type, 'OAuthException', label)
      assert.equal(json.error.error_data.messaging_product, 'whatsapp', label)
      assert.isString(json.error.error_data.details, label)
      assert.isString(json.error.fbtrace_id, label)
    }

    const unknownNumber = await call(
      'POST',
      '/999999999999999/messages',
      textTo('15550001111', 'x')
    )
    assert.equal(unknownNumber.status, 400)
    assert.equal(unknownNumber.json.error.code, 100)

    const missingToken = await call('POST', path, textTo('15550001111', 'x'), null)
    assert.equal(missingToken.status, 401)
    assert.equal(missingToken.json.error.code, 0)
    const badToken = await call('POST', path, textTo('15550001111', 'x'), 'nope')
    assert.equal(badToken.status, 401)
    assert.equal(badToken.json.error.code, 190)
  })

  test('a good send returns a wamid and is kept in state.sent; mark-read answers success', async ({
    assert,
    cleanup,
  }) => {
    const { simulator, call } = await startSimulator(cleanup)
    const { status, json } = await call('POST', `/${NUMBER.phoneNumberId}/messages`, {
      ...textTo('+1 (555) 000-1111', 'Hello'),
      biz_opaque_callback_data: 'conv:42',
    })
    assert.equal(status, 200)
    assert.equal(json.messaging_product, 'whatsapp')
    assert.deepEqual(json.contacts, [{ input: '+1 (555) 000-1111', wa_id: '15550001111' }])
    assert.match(json.messages[0].id, /^wamid\.[A-Za-z0-9+/=]+$/)
    assert.lengthOf(simulator.state.sent, 1)
    assert.equal(simulator.state.sent[0].id, json.messages[0].id)
    assert.equal(simulator.state.sent[0].callbackData, 'conv:42')

    const read = await call('POST', `/${NUMBER.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.inbound',
      typing_indicator: { type: 'text' },
    })
    assert.deepEqual(read.json, { success: true })
    assert.deepEqual(
      simulator.state.reads.map((r) => [r.messageId, r.typing]),
      [['wamid.inbound', true]]
    )
  })

  test('sends beyond mps answer 130429 with HTTP 400 until the second is over', async ({
    assert,
    cleanup,
  }) => {
    let now = 1_750_000_000_000
    const { call } = await startSimulator(cleanup, { mps: 5, clock: () => now })
    const path = `/${NUMBER.phoneNumberId}/messages`
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) => call('POST', path, textTo('15550001111', `m${i}`)))
    )
    assert.equal(results.filter((r) => r.status === 200).length, 5)
    const throttled = results.filter((r) => r.status !== 200)
    assert.lengthOf(throttled, 2)
    assert.isTrue(throttled.every((r) => r.status === 400 && r.json.error.code === 130429))
    // The other number has its own budget.
    assert.equal(
      (await call('POST', `/${SECOND.phoneNumberId}/messages`, textTo('15550001111', 'x'))).status,
      200
    )
    now += 1001
    assert.equal((await call('POST', path, textTo('15550001111', 'later'))).status, 200)
  })

  test('injected failures: sync codes answer errors, async codes fail in a status webhook', async ({
    assert,
    cleanup,
  }) => {
    const receiver = await startReceiver()
    cleanup(() => receiver.close())
    const { simulator, call } = await startSimulator(cleanup, { webhookUrl: receiver.url })
    const path = `/${NUMBER.phoneNumberId}/messages`

    simulator.state.failNext(131000)
    const sync = await call('POST', path, textTo('15550001111', 'x'))
    assert.equal(sync.status, 500)
    assert.equal(sync.json.error.code, 131000)

    simulator.state.failNext(131026)
    const accepted = await call('POST', path, textTo('15550001111', 'y'))
    assert.equal(accepted.status, 200)
    await simulator.idle()
    const failed = receiver.received[0].json.entry[0].changes[0].value.statuses[0]
    assert.equal(failed.id, accepted.json.messages[0].id)
    assert.equal(failed.status, 'failed')
    assert.equal(failed.errors[0].code, 131026)
  })

  test('24 h window: outside it a free-form send answers 200 then fails with 131047', async ({
    assert,
    cleanup,
  }) => {
    const receiver = await startReceiver()
    cleanup(() => receiver.close())
    const { simulator, call } = await startSimulator(cleanup, {
      webhookUrl: receiver.url,
      enforceWindow: true,
    })
    const path = `/${NUMBER.phoneNumberId}/messages`
    const outside = await call('POST', path, textTo('15550002222', 'hi'))
    assert.equal(outside.status, 200)
    await simulator.idle()
    const status = receiver.received[0].json.entry[0].changes[0].value.statuses[0]
    assert.equal(status.status, 'failed')
    assert.equal(status.errors[0].code, 131047)

    await simulator.inbound({
      phoneNumberId: NUMBER.phoneNumberId,
      from: '15550002222',
      type: 'text',
      text: 'hey',
    })
    const inside = await call('POST', path, textTo('+15550002222', 'hello again'))
    assert.equal(inside.status, 200)
    await simulator.idle()
    assert.lengthOf(receiver.received, 2, 'only the inbound webhook followed')
    assert.isNull(simulator.state.sent[1].failureCode)
  })
})

test.group('Meta simulator | media', () => {
  test('upload, fetch URL, download with token, URL expiry, MIME and size checks', async ({
    assert,
    cleanup,
  }) => {
    let now = 1_750_000_000_000
    const { simulator, url, call, graph } = await startSimulator(cleanup, { clock: () => now })
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)])
    const upload = (bytes: Uint8Array, type: string, name = 'photo.jpg') => {
      const form = new FormData()
      form.set('messaging_product', 'whatsapp')
      form.set('type', type)
      form.set('file', new Blob([bytes], { type }), name)
      return fetch(`${graph}/${NUMBER.phoneNumberId}/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: form,
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }))
    }

    const uploaded = await upload(jpeg, 'image/jpeg')
    assert.equal(uploaded.status, 200)
    assert.match(uploaded.json.id, /^\d{15}$/)

    const info = await call('GET', `/${uploaded.json.id}`)
    assert.equal(info.json.mime_type, 'image/jpeg')
    assert.equal(info.json.file_size, jpeg.length)
    assert.equal(info.json.sha256, createHash('sha256').update(jpeg).digest('hex'))
    assert.equal(info.json.messaging_product, 'whatsapp')
    assert.isTrue(info.json.url.startsWith(`${url}/media-download/${uploaded.json.id}?token=`))

    const anonymous = await fetch(info.json.url)
    assert.equal(anonymous.status, 401)
    const download = await fetch(info.json.url, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(download.status, 200)
    assert.equal(download.headers.get('content-type'), 'image/jpeg')
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), jpeg)

    now += 5 * 60_000 + 1
    const expired = await fetch(info.json.url, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(expired.status, 404)
    const fresh = await call('GET', `/${uploaded.json.id}`)
    const again = await fetch(fresh.json.url, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(again.status, 200)

    const png = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(64)])
    const mismatch = await upload(png, 'image/jpeg')
    assert.equal(mismatch.status, 400)
    assert.equal(mismatch.json.error.code, 131053)
    const unsupported = await upload(Buffer.from('GIF89a'), 'image/gif', 'a.gif')
    assert.equal(unsupported.json.error.code, 131053)
    const big = Buffer.concat([jpeg, Buffer.alloc(5 * 1024 * 1024)])
    const tooBig = await upload(big, 'image/jpeg')
    assert.equal(tooBig.json.error.code, 131053)
    assert.match(tooBig.json.error.error_data.details, /exceeds/)

    // Seeded inbound media, then delete.
    const seeded = simulator.state.addMedia(Buffer.from('%PDF-1.4 hello'), 'application/pdf')
    assert.equal((await call('GET', `/${seeded}`)).json.mime_type, 'application/pdf')
    assert.deepEqual((await call('DELETE', `/${seeded}`)).json, { success: true })
    const gone = await call('GET', `/${seeded}`)
    assert.equal(gone.status, 400)
    assert.equal(gone.json.error.code, 100)
  })
})

test.group('Meta simulator | webhooks', () => {
  test('signature is HMAC-SHA256 over the exact raw bytes, escaped like Meta (Arabic + emoji)', async ({
    assert,
    cleanup,
  }) => {
    const receiver = await startReceiver()
    cleanup(() => receiver.close())
    const { simulator } = await startSimulator(cleanup, { webhookUrl: receiver.url })
    const body = 'مرحبا 👋 see https://example.com/a'

    const result = await simulator.inbound({
      phoneNumberId: NUMBER.phoneNumberId,
      from: '+971501234567',
      name: 'سارة',
      type: 'text',
      text: body,
    })
    assert.equal(result.delivery.status, 200)
    const [delivery] = receiver.received
    const raw = delivery.raw

    // Independent check with node:crypto over the bytes as received.
    assert.isTrue(verify(raw, delivery.headers['x-hub-signature-256'] as string))
    assert.equal(
      delivery.headers['x-hub-signature-256'],
      signPayload(raw.toString('utf8'), APP_SECRET)
    )
    // Meta's serialization: pure ASCII, lowercase \u escapes, escaped slashes.
    assert.isTrue([...raw].every((byte) => byte < 0x80))
    assert.include(raw.toString('utf8'), '\\u0645\\u0631\\u062d\\u0628\\u0627 \\ud83d\\udc4b')
    assert.include(raw.toString('utf8'), 'https:\\/\\/example.com\\/a')
    assert.equal(serializeLikeMeta(delivery.json), raw.toString('utf8'))
    // Re-serializing the parsed JSON yields other bytes, so another signature.
    const reserialized = JSON.stringify(delivery.json)
    assert.notEqual(signPayload(reserialized, APP_SECRET), delivery.headers['x-hub-signature-256'])

    const payload = delivery.json
    assert.equal(payload.object, 'whatsapp_business_account')
    assert.equal(payload.entry[0].id, NUMBER.wabaId)
    const change = payload.entry[0].changes[0]
    assert.equal(change.field, 'messages')
    assert.deepEqual(change.value.metadata, {
      display_phone_number: '15550100001',
      phone_number_id: NUMBER.phoneNumberId,
    })
    const contact = change.value.contacts[0]
    assert.equal(contact.profile.name, 'سارة')
    assert.equal(contact.wa_id, '971501234567')
    assert.match(contact.user_id, /^AE\.\d{20}$/)
    const message = change.value.messages[0]
    assert.equal(message.from, '971501234567')
    assert.equal(message.id, result.wamid)
    assert.match(message.id, /^wamid\./)
    assert.match(message.timestamp, /^\d{10}$/)
    assert.deepEqual(message.text, { body })
  })

  test('inbound media is seeded and downloadable; username users may come without a phone', async ({
    assert,
    cleanup,
  }) => {
    const receiver = await startReceiver()
    cleanup(() => receiver.close())
    const { simulator, call } = await startSimulator(cleanup, { webhookUrl: receiver.url })
    await simulator.inbound({
      from: '447700900123',
      type: 'image',
      image: { caption: 'receipt', bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe1, 1, 2, 3]) },
    })
    const image = receiver.received[0].json.entry[0].changes[0].value.messages[0].image
    assert.equal(image.caption, 'receipt')
    assert.equal(image.mime_type, 'image/jpeg')
    const info = await call('GET', `/${image.id}`)
    assert.equal(Buffer.from(info.json.sha256, 'hex').toString('base64'), image.sha256)
    const bytes = await fetch(info.json.url, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.deepEqual(
      [...new Uint8Array(await bytes.arrayBuffer())],
      [0xff, 0xd8, 0xff, 0xe1, 1, 2, 3]
    )

    await simulator.inbound({
      from: '447700900123',
      type: 'text',
      text: 'hi',
      username: 'jo',
      phone: 'omitted',
    })
    const value = receiver.received[1].json.entry[0].changes[0].value
    assert.notProperty(value.contacts[0], 'wa_id')
    assert.equal(value.contacts[0].profile.username, 'jo')
    assert.match(value.contacts[0].user_id, /^GB\.\d{20}$/)
    assert.notProperty(value.messages[0], 'from')
    assert.equal(value.messages[0].from_user_id, value.contacts[0].user_id)

    const failed = await simulator.status('wamid.x', 'failed', {
      errorCode: 131049,
      recipientId: '447700900123',
    })
    const status = JSON.parse(failed.raw).entry[0].changes[0].value.statuses[0]
    assert.equal(status.errors[0].code, 131049)
    assert.isString(status.errors[0].error_data.details)
  })

  test('batch sends N updates in one POST across entries and changes', async ({
    assert,
    cleanup,
  }) => {
    const receiver = await startReceiver()
    cleanup(() => receiver.close())
    const { simulator } = await startSimulator(cleanup, { webhookUrl: receiver.url })
    const events = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 2
        ? {
            kind: 'status' as const,
            id: `wamid.out${i}`,
            status: 'delivered' as const,
            recipientId: '15550001111',
            phoneNumberId: NUMBER.phoneNumberId,
          }
        : {
            phoneNumberId: i % 2 ? NUMBER.phoneNumberId : SECOND.phoneNumberId,
            from: `1555000${String(i % 10).padStart(4, '0')}`,
            type: 'text',
            text: `message ${i}`,
          }
    )
    const result = await simulator.batch(events)
    assert.equal(result.updates, 300)
    assert.lengthOf(receiver.received, 1)
    const payload = receiver.received[0].json
    assert.lengthOf(payload.entry, 2)
    let messages = 0
    let statuses = 0
    let changes = 0
    for (const entry of payload.entry) {
      for (const change of entry.changes) {
        changes++
        messages += change.value.messages?.length ?? 0
        statuses += change.value.statuses?.length ?? 0
      }
    }
    assert.equal(messages, 200)
    assert.equal(statuses, 100)
    assert.equal(changes, 3)
    assert.isTrue(
      verify(
        receiver.received[0].raw,
        receiver.received[0].headers['x-hub-signature-256'] as string
      )
    )
    await assert.rejects(
      () =>
        simulator.batch(
          Array.from({ length: 1001 }, () => ({ from: '15550001111', type: 'text', text: 'x' }))
        ),
      /1000/
    )
  })

  test('autoStatuses posts sent, delivered and read, signed and in order', async ({
    assert,
    cleanup,
  }) => {
    const receiver = await startReceiver()
    cleanup(() => receiver.close())
    const { simulator, call } = await startSimulator(cleanup, {
      webhookUrl: receiver.url,
      autoStatuses: true,
    })
    const sent = await call(
      'POST',
      `/${NUMBER.phoneNumberId}/messages`,
      textTo('15550001111', 'Hi')
    )
    await receiver.waitFor(3)
    await simulator.idle()
    const statuses = receiver.received.map((r) => r.json.entry[0].changes[0].value.statuses[0])
    assert.deepEqual(
      statuses.map((s) => s.status),
      ['sent', 'delivered', 'read']
    )
    assert.isTrue(
      statuses.every((s) => s.id === sent.json.messages[0].id && s.recipient_id === '15550001111')
    )
    assert.equal(statuses[0].pricing.category, 'service')
    assert.isUndefined(statuses[2].pricing)
    assert.isUndefined(statuses[0].conversation, 'v24+ has no conversation object')
    assert.isTrue(
      receiver.received.every((r) => verify(r.raw, r.headers['x-hub-signature-256'] as string))
    )
  })

  test('templates: create is PENDING; setTemplateStatus posts a signed status update', async ({
    assert,
    cleanup,
  }) => {
    const receiver = await startReceiver()
    cleanup(() => receiver.close())
    const { simulator, call } = await startSimulator(cleanup, { webhookUrl: receiver.url })
    const created = await call('POST', `/${NUMBER.wabaId}/message_templates`, {
      name: 'order_update',
      category: 'UTILITY',
      language: 'en_US',
      components: [{ type: 'BODY', text: 'Order {{1}} shipped', example: { body_text: [['42']] } }],
    })
    assert.equal(created.json.status, 'PENDING')
    const duplicate = await call('POST', `/${NUMBER.wabaId}/message_templates`, {
      name: 'order_update',
      category: 'UTILITY',
      language: 'en_US',
      components: [{ type: 'BODY', text: 'x' }],
    })
    assert.equal(duplicate.json.error.code, 100)

    await simulator.state.setTemplateStatus(created.json.id, 'APPROVED')
    const value = receiver.received[0].json.entry[0].changes[0].value
    assert.equal(
      receiver.received[0].json.entry[0].changes[0].field,
      'message_template_status_update'
    )
    assert.equal(value.event, 'APPROVED')
    assert.equal(value.message_template_id, Number(created.json.id))
    const list = await call(
      'GET',
      `/${NUMBER.wabaId}/message_templates?fields=name,status&status=APPROVED`
    )
    assert.deepEqual(list.json.data, [
      { name: 'order_update', status: 'APPROVED', id: created.json.id },
    ])
    assert.equal(
      (await call('GET', `/${NUMBER.wabaId}/message_templates?after=bogus`)).json.error.code,
      131059
    )
  })
})

test.group('Meta simulator | accounts', () => {
  test('embedded signup code exchange: token works, codes are single-use and expire after 30 s', async ({
    assert,
    cleanup,
  }) => {
    let now = 1_750_000_000_000
    const { simulator, graph, call } = await startSimulator(cleanup, { clock: () => now })
    const exchange = (code: string, secret = APP_SECRET) =>
      fetch(`${graph}/oauth/access_token?client_id=123&client_secret=${secret}&code=${code}`).then(
        async (r) => ({ status: r.status, json: (await r.json()) as any })
      )
    simulator.state.addSignupCode('code-1', {
      wabaId: '333000000000001',
      phoneNumberId: '444000000000001',
    })
    simulator.state.addSignupCode('code-2', {
      wabaId: '333000000000001',
      phoneNumberId: '444000000000001',
    })

    assert.equal((await exchange('code-1', 'wrong')).status, 400)
    const ok = await exchange('code-1')
    assert.equal(ok.status, 200)
    assert.equal(ok.json.token_type, 'bearer')
    assert.match(ok.json.access_token, /^EAA/)
    assert.equal((await exchange('code-1')).json.error.code, 100, 'single use')

    // The minted token is accepted even though accessTokens is strict.
    const subscribed = await call(
      'POST',
      '/333000000000001/subscribed_apps',
      undefined,
      ok.json.access_token
    )
    assert.deepEqual(subscribed.json, { success: true })
    const numberInfo = await call(
      'GET',
      '/444000000000001?fields=display_phone_number,verified_name,quality_rating,throughput,whatsapp_business_manager_messaging_limit,code_verification_status',
      undefined,
      ok.json.access_token
    )
    assert.equal(numberInfo.json.id, '444000000000001')
    assert.deepEqual(numberInfo.json.throughput, { level: 'STANDARD' })

    now += 30_001
    const expired = await exchange('code-2')
    assert.equal(expired.status, 400)
    assert.equal(expired.json.error.code, 100)
    assert.equal(expired.json.error.error_subcode, 36007)
  })

  test('register: 6-digit PIN, 10 calls per 72 h then 133016; business profile limits', async ({
    assert,
    cleanup,
  }) => {
    const { call } = await startSimulator(cleanup)
    const path = `/${NUMBER.phoneNumberId}/register`
    assert.equal(
      (await call('POST', path, { messaging_product: 'whatsapp', pin: '12ab' })).json.error.code,
      100
    )
    for (let i = 0; i < 9; i++) {
      assert.deepEqual(
        (await call('POST', path, { messaging_product: 'whatsapp', pin: '123456' })).json,
        {
          success: true,
        }
      )
    }
    const limited = await call('POST', path, { messaging_product: 'whatsapp', pin: '123456' })
    assert.equal(limited.status, 400)
    assert.equal(limited.json.error.code, 133016)

    const profile = `/${NUMBER.phoneNumberId}/whatsapp_business_profile`
    assert.equal(
      (await call('POST', profile, { messaging_product: 'whatsapp', about: 'a'.repeat(140) })).json
        .error.code,
      100
    )
    assert.equal(
      (
        await call('POST', profile, {
          messaging_product: 'whatsapp',
          websites: ['https://a.example', 'https://b.example', 'https://c.example'],
        })
      ).json.error.code,
      100
    )
    assert.deepEqual(
      (
        await call('POST', profile, {
          messaging_product: 'whatsapp',
          about: 'We reply fast',
          vertical: 'RETAIL',
        })
      ).json,
      { success: true }
    )
    const read = await call('GET', `${profile}?fields=about,vertical`)
    assert.deepEqual(read.json, {
      data: [{ about: 'We reply fast', vertical: 'RETAIL', messaging_product: 'whatsapp' }],
    })
  })
})
