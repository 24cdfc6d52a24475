import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type OutboundMessage,
} from '#sdk/channels'

/**
 * Test helpers for plugin authors (Japa). Import from `#sdk/testing` in
 * `plugins/<id>/tests/*.spec.ts`; never from application code.
 */

export type TestWorkspace = {
  /** Internal id: what ctx methods take as `workspaceId`. */
  id: number
  slug: string
  publicId: string
  /** The owner (a user model instance: pass it to `client.loginAs`). */
  owner: { id: number; email: string }
}

function unique(prefix: string) {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/**
 * A fresh workspace on its own plan, with its owner. `plugins` are granted
 * by that plan and activated (the plugin must be loaded and enabled).
 */
export async function createTestWorkspace(
  options: { plugins?: string[]; grantOnly?: string[] } = {}
): Promise<TestWorkspace & { owner: any }> {
  const { createUser } = await import('#core/actions/create_user')
  const { createWorkspace } = await import('#core/actions/create_workspace')
  const { default: Plan } = await import('#core/models/plan')
  const owner = await createUser({
    email: `${unique('owner')}@example.test`,
    fullName: 'Plugin Test Owner',
    password: 'secret-pass-1',
    emailVerified: true,
  })
  const slug = unique('ws')
  const workspace = await createWorkspace({ name: `Workspace ${slug}`, slug, owner })
  const basePlan = await Plan.findOrFail(workspace.planId)
  const plan = await Plan.create({
    slug: unique('plan'),
    name: `Test plan ${slug}`,
    isTrial: false,
    features: { ...basePlan.features },
    maxMembers: null,
    maxChannels: null,
    maxContacts: null,
    maxMessagesPerMonth: null,
    maxStorageMb: null,
    maxQrChannels: null,
  })
  workspace.planId = plan.id
  await workspace.save()
  const result = { id: workspace.id, slug: workspace.slug, publicId: workspace.publicId, owner }
  for (const pluginId of [...(options.grantOnly ?? []), ...(options.plugins ?? [])]) {
    await grantPlugin(result, pluginId)
  }
  for (const pluginId of options.plugins ?? []) {
    await activatePlugin(result, pluginId)
  }
  return result
}

/** Let the workspace's plan include the plugin's feature. */
export async function grantPlugin(workspace: { id: number }, pluginId: string, granted = true) {
  const { default: Workspace } = await import('#core/models/workspace')
  const { pluginRegistry } = await import('#core/plugin_host/registry')
  const { clearPluginStateCache } = await import('#core/plugin_host/state')
  const record = pluginRegistry.get(pluginId)
  if (!record) throw new Error(`Plugin "${pluginId}" is not installed`)
  const model = await Workspace.query().where('id', workspace.id).preload('plan').firstOrFail()
  model.plan.features = { ...model.plan.features, [record.feature]: granted }
  await model.plan.save()
  clearPluginStateCache()
}

export async function activatePlugin(workspace: { id: number }, pluginId: string, active = true) {
  const { setActive } = await import('#core/plugin_host/state')
  await setActive(pluginId, workspace.id, active)
}

/** Platform switch (what the super admin does in Admin → Plugins). */
export async function setPluginEnabled(pluginId: string, enabled: boolean) {
  const { setEnabledOnPlatform } = await import('#core/plugin_host/state')
  await setEnabledOnPlatform(pluginId, enabled)
}

/**
 * The channel driver registered under `name`, as core jobs get it (for a
 * plugin's driver: behind the platform-enabled guard). SDK 1.2.
 */
export async function registeredChannelDriver(name: string): Promise<ChannelDriver> {
  const { channelDrivers } = await import('#channels/registry')
  return channelDrivers.get(name)
}

/** The plugin's context as the host built it (to call ctx methods in tests). */
export async function pluginContext(pluginId: string) {
  const { pluginRegistry } = await import('#core/plugin_host/registry')
  const context = pluginRegistry.get(pluginId)?.context
  if (!context) throw new Error(`Plugin "${pluginId}" is not loaded`)
  return context
}

/*
|--------------------------------------------------------------------------
| Connector contract suite
|--------------------------------------------------------------------------
| Every channel driver plugin calls this from a spec file; it registers a
| Japa group that checks the driver against the ChannelDriver port.
*/
export type ConnectorContractOptions = {
  /** Builds the driver under test (a fresh one per test is fine). */
  driver: () => ChannelDriver | Promise<ChannelDriver>
  /** Credentials of a connected test channel. */
  credentials: () => ChannelCredentials | Promise<ChannelCredentials>
  /** A recipient the driver accepts, E.164 with '+'. */
  recipient: string
  /** A recipient the driver must refuse with a ChannelSendError. */
  invalidRecipient?: string
  /** Make the next send fail at the provider, the way a real failure does. */
  failNextSend?: (kind: 'transient' | 'permanent') => void | Promise<void>
  /** Set false for drivers without media upload/download. */
  media?: boolean
  /** Drivers that cannot send templates (QR) say so. */
  templates?: boolean
}

const HEALTH_STATUSES = ['connected', 'degraded', 'disconnected']

function assertSendResult(assert: any, result: unknown) {
  assert.isObject(result)
  const { providerMessageId, waId } = result as Record<string, unknown>
  assert.isString(providerMessageId, 'send() returns the provider message id')
  assert.isAbove((providerMessageId as string).length, 0)
  assert.isTrue(waId === null || typeof waId === 'string', 'waId is a string or null')
}

async function sendError(promise: Promise<unknown>): Promise<ChannelSendError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ChannelSendError) return error
    throw new Error(
      `expected a ChannelSendError, got ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`
    )
  }
  throw new Error('expected the call to fail with a ChannelSendError, it succeeded')
}

export function connectorContract(name: string, options: ConnectorContractOptions) {
  const message = (content: OutboundMessage['content']): OutboundMessage => ({
    to: options.recipient,
    content,
  })

  test.group(`Connector contract: ${name}`, () => {
    test('has a lower-case name', async ({ assert }) => {
      const driver = await options.driver()
      assert.match(driver.name, /^[a-z][a-z0-9_]*$/)
    })

    test('sends text and returns distinct provider ids', async ({ assert }) => {
      const driver = await options.driver()
      const credentials = await options.credentials()
      const first = await driver.send(credentials, message({ type: 'text', text: 'contract 1' }))
      const second = await driver.send(credentials, message({ type: 'text', text: 'contract 2' }))
      assertSendResult(assert, first)
      assertSendResult(assert, second)
      assert.notEqual(first.providerMessageId, second.providerMessageId)
    })

    test('sends media by link', async ({ assert }) => {
      const driver = await options.driver()
      const result = await driver.send(
        await options.credentials(),
        message({ type: 'image', link: 'https://example.test/contract.png', caption: 'contract' })
      )
      assertSendResult(assert, result)
    })

    test('sends a template', async ({ assert }) => {
      if (options.templates === false) return assert.isTrue(true)
      const driver = await options.driver()
      const result = await driver.send(
        await options.credentials(),
        message({ type: 'template', name: 'hello_world', language: 'en_US' })
      )
      assertSendResult(assert, result)
    })

    test('marks read and shows typing for a sent message', async ({ assert }) => {
      const driver = await options.driver()
      const credentials = await options.credentials()
      const sent = await driver.send(credentials, message({ type: 'text', text: 'read me' }))
      await driver.markRead(credentials, sent.providerMessageId)
      await driver.typing(credentials, sent.providerMessageId)
      assert.isTrue(true)
    })

    test('uploads and downloads media', async ({ assert }) => {
      if (options.media === false) return assert.isTrue(true)
      const driver = await options.driver()
      const credentials = await options.credentials()
      const bytes = new Uint8Array([137, 80, 78, 71, 1, 2, 3, 4])
      const { mediaId } = await driver.uploadMedia(credentials, {
        bytes,
        mimeType: 'image/png',
        filename: 'contract.png',
      })
      assert.isString(mediaId)
      const media = await driver.downloadMedia(credentials, mediaId)
      assert.deepEqual([...media.bytes], [...bytes])
      assert.equal(media.mimeType, 'image/png')
      assert.isTrue(media.sha256 === null || typeof media.sha256 === 'string')
    })

    test('reports health in the port shape', async ({ assert }) => {
      const driver = await options.driver()
      const health = await driver.health(await options.credentials())
      assert.include(HEALTH_STATUSES, health.status)
      for (const key of [
        'displayPhoneNumber',
        'verifiedName',
        'qualityRating',
        'messagingLimit',
        'error',
      ] as const) {
        const value = health[key]
        assert.isTrue(
          value === undefined || value === null || typeof value === 'string',
          `health.${key} is a string, null or absent`
        )
      }
    })

    test('refuses an invalid recipient with a classified ChannelSendError', async ({ assert }) => {
      const driver = await options.driver()
      const error = await sendError(
        driver.send(await options.credentials(), {
          to: options.invalidRecipient ?? '',
          content: { type: 'text', text: 'nobody' },
        })
      )
      assert.equal(error.action, 'give_up')
      assert.isAbove(error.message.length, 0)
    })

    test('maps provider failures to retry / wait / give_up', async ({ assert }) => {
      if (!options.failNextSend) return assert.isTrue(true)
      const driver = await options.driver()
      const credentials = await options.credentials()

      await options.failNextSend('transient')
      const transient = await sendError(
        driver.send(credentials, message({ type: 'text', text: 'x' }))
      )
      assert.include(['retry', 'wait'], transient.action)
      if (transient.action === 'wait') assert.isNumber(transient.retryAfterMs)

      await options.failNextSend('permanent')
      const permanent = await sendError(
        driver.send(credentials, message({ type: 'text', text: 'x' }))
      )
      assert.equal(permanent.action, 'give_up')

      // The failure was one-off: the next send goes through.
      assertSendResult(
        assert,
        await driver.send(credentials, message({ type: 'text', text: 'ok' }))
      )
    })

    test('downloading unknown media fails with a ChannelSendError', async ({ assert }) => {
      if (options.media === false) return assert.isTrue(true)
      const driver = await options.driver()
      const error = await sendError(
        driver.downloadMedia(
          await options.credentials(),
          `missing-${randomBytes(4).toString('hex')}`
        )
      )
      assert.include(['retry', 'wait', 'give_up'], error.action)
    })
  })
}
