import { mkdir } from 'node:fs/promises'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import type { Browser, Page } from 'playwright-core'
import Channel from '#channels/models/channel'
import Notification from '#core/models/notification'
import AgentProfile from '#inbox/models/agent_profile'
import AssignmentRule from '#inbox/models/assignment_rule'
import Conversation from '#inbox/models/conversation'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { createMetaSimulator, type MetaSimulator } from '#channels/simulator/index'
import { createQueue } from '#core/queue/main'
import { WebhookIngestor } from '#channels/webhooks/ingestor'
import { PASSWORD, addMember, makeUser, makeWorkspace, unique } from '#tests/helpers/fixtures'

/**
 * Two agents in two browser contexts. A customer writes through the Meta
 * simulator; the round-robin rule assigns the conversation to the agent
 * who is online, and it appears in her inbox without a reload. She
 * replies, and the ticks follow the simulator's statuses (sent, then
 * delivered, then read). A note mentioning her teammate notifies him.
 * Screenshots: tmp/screenshots/inbox_*.png.
 */
/** The Graph URL of the test environment (.env.test META_GRAPH_URL). */
const SIMULATOR_PORT = 3399
const VIEWPORT = { width: 1440, height: 900 }

async function login(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT })
  const page = await context.newPage()
  const base = `http://127.0.0.1:${process.env.PORT}`
  await page.goto(`${base}/login`)
  await page.locator('[data-test="login-email"]').fill(email)
  await page.locator('[data-test="login-password"]').fill(PASSWORD)
  await page.locator('[data-test="submit"]').click()
  await page.waitForURL(/\/w\//)
  return page
}

test.group('Inbox in the browser', (group) => {
  let simulator: MetaSimulator
  const phoneNumberId = `20${Date.now()}`

  group.setup(async () => {
    simulator = createMetaSimulator({
      port: SIMULATOR_PORT,
      appSecret: 'test-meta-app-secret',
      appId: 'test-app-id',
      webhookUrl: `http://127.0.0.1:${process.env.PORT}/webhooks/meta`,
      accessTokens: ['sim-token-inbox-0123456789'],
      numbers: [
        {
          phoneNumberId,
          wabaId: '3000001',
          displayPhoneNumber: '15550002222',
          verifiedName: 'Acme Inbox',
          qualityRating: 'GREEN',
        },
      ],
      autoStatuses: true,
      // Far enough apart for the page to show each tick in turn.
      statusDelayMs: 1200,
    })
    await simulator.start()
    return () => simulator.stop()
  })

  test('auto-assigned message appears live, reply ticks follow statuses, a mention notifies', async ({
    assert,
    browser,
  }) => {
    const screenshots = app.makePath('tmp/screenshots')
    await mkdir(screenshots, { recursive: true })

    /* A workspace with two agents; Alice is online, Bob is busy. */
    const { workspace } = await makeWorkspace()
    const alice = await makeUser({
      fullName: 'Alice Agent',
      email: `${unique('alice')}@example.test`,
    })
    const bob = await makeUser({ fullName: 'Bob Builder', email: `${unique('bob')}@example.test` })
    await addMember(workspace, alice, 'agent')
    await addMember(workspace, bob, 'agent')
    await tenancy.run(workspace.id, async () => {
      // Active just now: the minute's idle sweep (running in this process) must
      // not take an agent who was never active for an idle one mid-test.
      await AgentProfile.create({
        userId: alice.id,
        availability: 'online',
        availabilityChangedAt: DateTime.now(),
        lastActivityAt: DateTime.now(),
      })
      await AgentProfile.create({ userId: bob.id, availability: 'busy' })
      await AssignmentRule.create({
        name: 'Everyone, in turn',
        position: 0,
        enabled: true,
        strategy: 'round_robin',
        channelId: null,
        teamId: null,
        options: {},
      })
      await Channel.create({
        driver: 'meta_cloud',
        name: 'Main line',
        phoneNumberId,
        wabaId: '3000001',
        accessToken: 'sim-token-inbox-0123456789',
        webhookKey: newWebhookKey(),
        status: 'connected',
        settings: {},
      })
    })

    /* The pipeline runs as in production: a worker and the webhook ingestor. */
    const worker = createQueue({ driver: 'database', concurrency: 4 })
    await worker.work({ queues: ['default', 'webhooks', 'media', 'outbound'] })
    const ingestor = new WebhookIngestor({ idleMs: 10, maxIdleMs: 50 })
    ingestor.start()

    const pages: Page[] = []
    try {
      const alicePage = await login(browser, alice.email)
      const bobPage = await login(browser, bob.email)
      pages.push(alicePage, bobPage)
      await alicePage.goto(`http://127.0.0.1:${process.env.PORT}/w/${workspace.slug}/inbox`)
      await bobPage.goto(`http://127.0.0.1:${process.env.PORT}/w/${workspace.slug}/inbox`)
      await alicePage.locator('[data-test="inbox-empty"]').waitFor()
      // Give both pages time to subscribe to the inbox channel.
      await alicePage.waitForTimeout(500)

      /* The customer writes. */
      await simulator.inbound({
        from: '15557654321',
        name: 'Carla Customer',
        type: 'text',
        text: { body: 'Hello, is my order on its way?' },
      } as any)

      const row = alicePage.locator('li[data-test^="conversation-"]', {
        hasText: 'Carla Customer',
      })
      await row.first().waitFor({ timeout: 10_000 })
      const conversation = await tenancy.run(workspace.id, () => Conversation.query().firstOrFail())
      assert.equal(conversation.assigneeId, alice.id, 'the online agent gets the conversation')
      // Bob's "Mine" view stays empty: it is not his.
      assert.equal(await bobPage.locator('text=Carla Customer').count(), 0)

      /* Alice opens it and replies. */
      await row.first().locator('[data-test="conversation-open"]').click()
      await alicePage.locator('[data-test="thread-title"]', { hasText: 'Carla Customer' }).waitFor()
      await alicePage.locator('[data-test="composer-text"]').fill('Yes! It ships today.')
      await alicePage.locator('[data-test="composer-send"]').click()

      const reply = alicePage.locator('[data-test="message-out"]', {
        hasText: 'Yes! It ships today.',
      })
      await reply.waitFor()
      const seen: string[] = []
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline) {
        const status = (await reply.getAttribute('data-status')) ?? ''
        if (seen[seen.length - 1] !== status) seen.push(status)
        if (status === 'read') break
        await alicePage.waitForTimeout(100)
      }
      const ticks = seen.filter((status) => ['sent', 'delivered', 'read'].includes(status))
      assert.deepEqual(ticks, ['sent', 'delivered', 'read'], `statuses seen: ${seen.join(' → ')}`)
      await alicePage.screenshot({ path: `${screenshots}/inbox_agent_reply.png` })

      /* A note mentioning Bob. */
      await alicePage.locator('[data-test="composer-mode-note"]').click()
      await alicePage.locator('[data-test="composer-text"]').fill('Please check the courier, @Bo')
      await alicePage.locator('[data-test="mention-options"]').waitFor()
      await alicePage.locator('[data-test="composer-text"]').press('Enter')
      await alicePage.locator('[data-test="composer-text"]').press('Enter')
      await alicePage.locator('[data-test="message-note"]').waitFor()

      await bobPage
        .locator('[data-test="inbox-announcement"]', { hasText: 'mentioned' })
        .waitFor({ state: 'attached', timeout: 10_000 })
      const notification = await tenancy.run(workspace.id, () =>
        Notification.query().where('user_id', bob.id).where('type', 'inbox.mention').first()
      )
      assert.exists(notification, 'Bob has a mention notification')
      await bobPage.screenshot({ path: `${screenshots}/inbox_teammate.png` })
      await alicePage.screenshot({ path: `${screenshots}/inbox_note.png` })
    } catch (error) {
      // What the agents saw when it failed, for whoever reads the CI log.
      for (const [index, page] of pages.entries()) {
        await page.screenshot({ path: `${screenshots}/inbox_failure_${index}.png` }).catch(() => {})
      }
      throw error
    } finally {
      // Closing the contexts ends their SSE streams, so the HTTP server can stop.
      for (const page of pages) await page.context().close()
      await ingestor.stop()
      await worker.stop()
    }
  }).timeout(90_000)
})
