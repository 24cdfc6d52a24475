import { test } from '@japa/runner'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ChannelSendError, type ChannelCredentials, type OutboundMessage } from '#channels/driver'
import { MetaCloudDriver } from '#channels/drivers/meta_cloud_driver'
import { GraphClient, GraphError } from '#channels/meta/graph_client'
import { SandboxDriver, SandboxOutbox } from '#channels/drivers/sandbox_driver'
import { channelDrivers } from '#channels/registry'

type Recorded = {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  raw: Buffer
  body: any
}

type Handler = (request: Recorded, response: ServerResponse, baseUrl: string) => void

/** A tiny Graph API stand-in on 127.0.0.1 that records every request. */
async function startStub(handler: Handler) {
  const requests: Recorded[] = []
  let baseUrl = ''
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const url = new URL(req.url ?? '/', baseUrl)
      let body: any = null
      if (String(req.headers['content-type'] ?? '').includes('application/json')) {
        body = JSON.parse(raw.toString('utf8'))
      }
      const recorded = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        raw,
        body,
      }
      requests.push(recorded)
      handler(recorded, res, baseUrl)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    baseUrl,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

function metaError(code: number, message: string, details = 'details from Meta') {
  return {
    error: {
      message: `(#${code}) ${message}`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: 'AbCdEf123',
    },
  }
}

const sent = (res: ServerResponse, id = 'wamid.OK', waId = '15551234567') =>
  json(res, 200, {
    messaging_product: 'whatsapp',
    contacts: [{ input: '+15551234567', wa_id: waId }],
    messages: [{ id }],
  })

const credentials: ChannelCredentials = {
  phoneNumberId: '1234567890',
  wabaId: '999',
  accessToken: 'EAAG-test-token',
  appSecret: null,
  extra: {},
}

async function setup(
  handler: Handler,
  cleanup: (fn: () => Promise<void>) => void,
  timeoutMs = 2000
) {
  const stub = await startStub(handler)
  cleanup(() => stub.close())
  const driver = new MetaCloudDriver({ baseUrl: stub.baseUrl, version: 'v24.0', timeoutMs })
  return { stub, driver }
}

async function sendAndCapture(
  message: OutboundMessage,
  cleanup: (fn: () => Promise<void>) => void
) {
  const { stub, driver } = await setup((_req, res) => sent(res), cleanup)
  const result = await driver.send(credentials, message)
  return { result, request: stub.requests[0] }
}

async function sendError(driver: MetaCloudDriver, message: OutboundMessage) {
  try {
    await driver.send(credentials, message)
  } catch (error) {
    return error as ChannelSendError
  }
  throw new Error('send did not fail')
}

const hello: OutboundMessage = { to: '15551234567', content: { type: 'text', text: 'Hello' } }

test.group('Meta Cloud driver: request bodies', () => {
  test('text: endpoint, bearer token, + prefix, preview_url', async ({ assert, cleanup }) => {
    const { result, request } = await sendAndCapture(
      {
        to: '15551234567',
        content: { type: 'text', text: 'See https://x.test', previewUrl: true },
      },
      cleanup
    )
    assert.equal(request.method, 'POST')
    assert.equal(request.path, '/v24.0/1234567890/messages')
    assert.equal(request.headers.authorization, 'Bearer EAAG-test-token')
    assert.deepEqual(request.body, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+15551234567',
      type: 'text',
      text: { body: 'See https://x.test', preview_url: true },
    })
    assert.deepEqual(result, { providerMessageId: 'wamid.OK', waId: '15551234567' })
  })

  test('recipients: + kept, formatting stripped, BSUID untouched', async ({ assert, cleanup }) => {
    const { stub, driver } = await setup((_req, res) => sent(res), cleanup)
    for (const to of ['+15551234567', '+1 (555) 123-4567', 'US.13491208655302741918']) {
      await driver.send(credentials, { to, content: { type: 'text', text: 'x' } })
    }
    assert.deepEqual(
      stub.requests.map((r) => r.body.to),
      ['+15551234567', '+15551234567', 'US.13491208655302741918']
    )
  })

  test('image by id with caption', async ({ assert, cleanup }) => {
    const { request } = await sendAndCapture(
      { to: '+15551234567', content: { type: 'image', mediaId: 'media-1', caption: 'Menu' } },
      cleanup
    )
    assert.equal(request.body.type, 'image')
    assert.deepEqual(request.body.image, { id: 'media-1', caption: 'Menu' })
  })

  test('document by link with filename; audio voice note; sticker without caption', async ({
    assert,
    cleanup,
  }) => {
    const { stub, driver } = await setup((_req, res) => sent(res), cleanup)
    await driver.send(credentials, {
      to: '+15551234567',
      content: {
        type: 'document',
        link: 'https://files.test/invoice.pdf',
        filename: 'invoice.pdf',
        caption: 'Your invoice',
      },
    })
    await driver.send(credentials, {
      to: '+15551234567',
      content: { type: 'audio', mediaId: 'a-1', voice: true, caption: 'ignored' },
    })
    await driver.send(credentials, {
      to: '+15551234567',
      content: { type: 'sticker', mediaId: 's-1', caption: 'ignored' },
    })
    assert.deepEqual(stub.requests[0].body.document, {
      link: 'https://files.test/invoice.pdf',
      caption: 'Your invoice',
      filename: 'invoice.pdf',
    })
    assert.deepEqual(stub.requests[1].body.audio, { id: 'a-1', voice: true })
    assert.deepEqual(stub.requests[2].body.sticker, { id: 's-1' })
  })

  test('reply context and callback data', async ({ assert, cleanup }) => {
    const { request } = await sendAndCapture(
      { ...hello, replyTo: 'wamid.IN', callbackData: 'campaign:42' },
      cleanup
    )
    assert.deepEqual(request.body.context, { message_id: 'wamid.IN' })
    assert.equal(request.body.biz_opaque_callback_data, 'campaign:42')
  })

  test('template: language code, components, no reply context', async ({ assert, cleanup }) => {
    const components = [{ type: 'body', parameters: [{ type: 'text', text: 'Jessica' }] }]
    const { request } = await sendAndCapture(
      {
        to: '15551234567',
        replyTo: 'wamid.IN',
        content: { type: 'template', name: 'order_confirmation', language: 'en_US', components },
      },
      cleanup
    )
    assert.deepEqual(request.body.template, {
      name: 'order_confirmation',
      language: { code: 'en_US' },
      components,
    })
    assert.notProperty(request.body, 'context')
  })

  test('reaction: no reply context', async ({ assert, cleanup }) => {
    const { request } = await sendAndCapture(
      {
        to: '15551234567',
        replyTo: 'wamid.IN',
        content: { type: 'reaction', messageId: 'wamid.IN', emoji: '👍' },
      },
      cleanup
    )
    assert.deepEqual(request.body.reaction, { message_id: 'wamid.IN', emoji: '👍' })
    assert.notProperty(request.body, 'context')
  })

  test('location, contacts, interactive passthrough', async ({ assert, cleanup }) => {
    const { stub, driver } = await setup((_req, res) => sent(res), cleanup)
    const interactive = { type: 'button', body: { text: 'Pick' }, action: { buttons: [] } }
    const contacts = [{ name: { formatted_name: 'Ada' } }]
    await driver.send(credentials, {
      to: '+1555',
      content: { type: 'location', latitude: 1.5, longitude: 2.5, name: 'Shop' },
    })
    await driver.send(credentials, { to: '+1555', content: { type: 'contacts', contacts } })
    await driver.send(credentials, { to: '+1555', content: { type: 'interactive', interactive } })
    assert.deepEqual(stub.requests[0].body.location, {
      latitude: 1.5,
      longitude: 2.5,
      name: 'Shop',
    })
    assert.deepEqual(stub.requests[1].body.contacts, contacts)
    assert.deepEqual(stub.requests[2].body.interactive, interactive)
  })

  test('mark read and typing', async ({ assert, cleanup }) => {
    const { stub, driver } = await setup((_req, res) => json(res, 200, { success: true }), cleanup)
    await driver.markRead(credentials, 'wamid.IN')
    await driver.typing(credentials, 'wamid.IN')
    assert.deepEqual(stub.requests[0].body, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.IN',
    })
    assert.deepEqual(stub.requests[1].body.typing_indicator, { type: 'text' })
  })

  test('media upload is multipart', async ({ assert, cleanup }) => {
    const { stub, driver } = await setup((_req, res) => json(res, 200, { id: 'up-1' }), cleanup)
    const result = await driver.uploadMedia(credentials, {
      bytes: new TextEncoder().encode('%PDF-1.4'),
      mimeType: 'application/pdf',
      filename: 'a.pdf',
    })
    assert.deepEqual(result, { mediaId: 'up-1' })
    const request = stub.requests[0]
    assert.equal(request.path, '/v24.0/1234567890/media')
    assert.match(String(request.headers['content-type']), /^multipart\/form-data; boundary=/)
    const raw = request.raw.toString('utf8')
    assert.include(raw, 'name="messaging_product"')
    assert.include(raw, 'filename="a.pdf"')
    assert.include(raw, '%PDF-1.4')
  })

  test('missing credentials give up without a request', async ({ assert, cleanup }) => {
    const { stub, driver } = await setup((_req, res) => sent(res), cleanup)
    const error = await driver.send({ ...credentials, accessToken: null }, hello).catch((e) => e)
    assert.instanceOf(error, ChannelSendError)
    assert.equal(error.action, 'give_up')
    assert.lengthOf(stub.requests, 0)
  })
})

test.group('Meta Cloud driver: errors', () => {
  test('131047 gives up with an explanation for the agent', async ({ assert, cleanup }) => {
    const { driver } = await setup(
      (_req, res) => json(res, 400, metaError(131047, 'Re-engagement message')),
      cleanup
    )
    const error = await sendError(driver, hello)
    assert.instanceOf(error, ChannelSendError)
    assert.equal(error.code, 131047)
    assert.equal(error.action, 'give_up')
    assert.equal(
      error.message,
      "More than 24 hours since the customer's last message: send an approved template instead."
    )
    assert.include(error.details!, 'AbCdEf123')
    assert.notInclude(`${error.message} ${error.details}`, 'EAAG-test-token')
  })

  test('130429 waits, whether Meta answers 400 or 429', async ({ assert, cleanup }) => {
    for (const status of [400, 429]) {
      const { driver } = await setup(
        (_req, res) => json(res, status, metaError(130429, 'Rate limit hit')),
        cleanup
      )
      const error = await sendError(driver, hello)
      assert.equal(error.action, 'wait')
      assert.isAbove(error.retryAfterMs!, 0)
    }
  })

  test('500 without a body retries', async ({ assert, cleanup }) => {
    const { driver } = await setup((_req, res) => {
      res.writeHead(500)
      res.end()
    }, cleanup)
    const error = await sendError(driver, hello)
    assert.isNull(error.code)
    assert.equal(error.action, 'retry')
    assert.isAbove(error.retryAfterMs!, 0)
  })

  test('a timeout retries', async ({ assert, cleanup }) => {
    const { driver } = await setup(
      (_req, res) => {
        setTimeout(() => sent(res), 500)
      },
      cleanup,
      100
    )
    const error = await sendError(driver, hello)
    assert.isNull(error.code)
    assert.equal(error.action, 'retry')
  })

  test('an unreachable server retries', async ({ assert, cleanup }) => {
    const { stub } = await setup((_req, res) => sent(res), cleanup)
    await stub.close()
    const driver = new MetaCloudDriver({ baseUrl: stub.baseUrl, timeoutMs: 1000 })
    const error = await sendError(driver, hello)
    assert.equal(error.action, 'retry')
  })

  test('the client parses Meta error bodies into GraphError', async ({ assert, cleanup }) => {
    const stub = await startStub((_req, res) =>
      json(res, 400, metaError(100, 'Invalid parameter', 'Param to is invalid'))
    )
    cleanup(() => stub.close())
    const client = new GraphClient({ baseUrl: stub.baseUrl })
    const error = await client.phoneNumber('tok', '1', ['status']).catch((e) => e)
    assert.instanceOf(error, GraphError)
    assert.include(error, {
      httpStatus: 400,
      code: 100,
      title: 'Invalid parameter',
      details: 'Param to is invalid',
      fbtraceId: 'AbCdEf123',
      transient: false,
    })
    assert.equal(stub.requests[0].path, '/v24.0/1')
  })
})

test.group('Meta Cloud driver: media download', () => {
  test('re-fetches the URL once after a 404 and sends the bearer token', async ({
    assert,
    cleanup,
  }) => {
    let lookups = 0
    const { stub, driver } = await setup((req, res, baseUrl) => {
      if (req.path === '/v24.0/media-9') {
        lookups++
        return json(res, 200, {
          messaging_product: 'whatsapp',
          url: `${baseUrl}/download/${lookups}`,
          mime_type: 'image/jpeg',
          sha256: 'abc123',
          file_size: 3,
          id: 'media-9',
        })
      }
      if (req.path === '/download/1') {
        res.writeHead(404)
        return res.end()
      }
      if (req.path === '/download/2') {
        res.writeHead(200, { 'Content-Type': 'image/jpeg' })
        return res.end(Buffer.from([1, 2, 3]))
      }
      res.writeHead(500)
      res.end()
    }, cleanup)

    const media = await driver.downloadMedia(credentials, 'media-9')
    assert.deepEqual([...media.bytes], [1, 2, 3])
    assert.equal(media.mimeType, 'image/jpeg')
    assert.equal(media.sha256, 'abc123')
    assert.equal(lookups, 2)
    assert.deepEqual(
      stub.requests.map((r) => r.path),
      ['/v24.0/media-9', '/download/1', '/v24.0/media-9', '/download/2']
    )
    assert.isTrue(stub.requests.every((r) => r.headers.authorization === 'Bearer EAAG-test-token'))
    assert.equal(stub.requests[0].query.get('phone_number_id'), '1234567890')
  })

  test('a second 404 fails instead of looping', async ({ assert, cleanup }) => {
    const { stub, driver } = await setup((req, res, baseUrl) => {
      if (req.path === '/v24.0/media-9') {
        return json(res, 200, { url: `${baseUrl}/gone`, mime_type: 'image/jpeg', id: 'media-9' })
      }
      res.writeHead(404)
      res.end()
    }, cleanup)
    const error = await driver.downloadMedia(credentials, 'media-9').catch((e) => e)
    assert.instanceOf(error, ChannelSendError)
    assert.equal(error.action, 'give_up')
    assert.lengthOf(stub.requests, 4)
  })
})

test.group('Meta Cloud driver: health', () => {
  test('maps the phone number to connected with quality and limit', async ({ assert, cleanup }) => {
    const { stub, driver } = await setup(
      (_req, res) =>
        json(res, 200, {
          id: '1234567890',
          display_phone_number: '+1 555-123-4567',
          verified_name: 'Acme',
          quality_rating: 'GREEN',
          status: 'CONNECTED',
          whatsapp_business_manager_messaging_limit: 'TIER_2K',
        }),
      cleanup
    )
    const health = await driver.health(credentials)
    assert.deepEqual(health, {
      status: 'connected',
      displayPhoneNumber: '+1 555-123-4567',
      verifiedName: 'Acme',
      qualityRating: 'GREEN',
      messagingLimit: 'TIER_2K',
      error: null,
    })
    assert.include(stub.requests[0].query.get('fields')!, 'quality_rating')
  })

  test('low quality or a flagged number is degraded', async ({ assert, cleanup }) => {
    let body: Record<string, unknown> = { id: '1', quality_rating: 'RED', status: 'CONNECTED' }
    const { driver } = await setup((_req, res) => json(res, 200, body), cleanup)
    assert.equal((await driver.health(credentials)).status, 'degraded')
    body = { id: '1', quality_rating: 'GREEN', status: 'FLAGGED' }
    assert.equal((await driver.health(credentials)).status, 'degraded')
    body = { id: '1', quality_rating: 'GREEN', status: 'BANNED' }
    assert.equal((await driver.health(credentials)).status, 'disconnected')
  })

  test('an expired or revoked token is disconnected', async ({ assert, cleanup }) => {
    for (const code of [190, 0]) {
      const { driver } = await setup(
        (_req, res) => json(res, 401, metaError(code, 'Error validating access token')),
        cleanup
      )
      assert.deepEqual(await driver.health(credentials), {
        status: 'disconnected',
        error: 'access token expired or revoked',
      })
    }
  })

  test('other failures are degraded', async ({ assert, cleanup }) => {
    const { driver } = await setup((_req, res) => {
      res.writeHead(503)
      res.end()
    }, cleanup)
    const health = await driver.health(credentials)
    assert.equal(health.status, 'degraded')
    assert.isString(health.error)
  })
})

/* The sandbox driver and the registry have no spec of their own yet. */
test.group('Channel registry and sandbox driver', () => {
  test('the registry knows meta_cloud and sandbox and names unknown drivers', ({ assert }) => {
    assert.includeMembers(channelDrivers.names(), ['meta_cloud', 'sandbox'])
    assert.instanceOf(channelDrivers.get('meta_cloud'), MetaCloudDriver)
    assert.throws(() => channelDrivers.get('telegram'), /Unknown channel driver "telegram"/)
    assert.throws(() => channelDrivers.register(new SandboxDriver()), /already registered/)
  })

  test('sandbox sends into the outbox of its channel without network', async ({ assert }) => {
    const outbox = new SandboxOutbox()
    const driver = new SandboxDriver(outbox)
    const sandbox = { ...credentials, phoneNumberId: 'sandbox-1', accessToken: null }
    const result = await driver.send(sandbox, hello)
    assert.match(result.providerMessageId, /^sandbox\.[0-9A-Z]{26}$/)
    assert.equal(result.waId, '15551234567')
    await driver.markRead(sandbox, 'wamid.IN')
    await driver.typing(sandbox, 'wamid.IN')
    assert.lengthOf(outbox.messages('sandbox-1'), 1)
    assert.equal(outbox.last('sandbox-1')!.to, '+15551234567')
    assert.deepEqual(
      outbox.receipts('sandbox-1').map((event) => event.kind),
      ['read', 'typing']
    )
    assert.lengthOf(outbox.messages('sandbox-2'), 0)

    const { mediaId } = await driver.uploadMedia(sandbox, {
      bytes: new Uint8Array([9, 8]),
      mimeType: 'image/png',
      filename: 'a.png',
    })
    const media = await driver.downloadMedia(sandbox, mediaId)
    assert.deepEqual([...media.bytes], [9, 8])
    assert.equal(media.mimeType, 'image/png')
    assert.equal((await driver.health(sandbox)).status, 'connected')

    outbox.failNext('sandbox-1', new ChannelSendError('boom', 131047, 'give_up'))
    await assert.rejects(() => driver.send(sandbox, hello), 'boom')
    assert.lengthOf(outbox.messages('sandbox-1'), 1)
  })
})
