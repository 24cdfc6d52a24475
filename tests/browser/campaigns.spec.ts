import { mkdir } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import type { Page } from 'playwright-core'
import { DateTime } from 'luxon'
import Contact from '#contacts/models/contact'
import ContactTag from '#contacts/models/contact_tag'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import { recordConsent } from '#contacts/services/consent'
import MessageTemplate from '#templates/models/message_template'
import Campaign from '#campaigns/models/campaign'
import { tenancy } from '#core/tenancy/context'
import { createQueue } from '#core/queue/main'
import { WebhookIngestor } from '#channels/webhooks/ingestor'
import { PASSWORD } from '#tests/helpers/fixtures'
import { pickerWorkspace, randomDigits, startPickerSimulator } from '#tests/helpers/picker'

/**
 * The campaign journey in Chromium against the Meta simulator: write a
 * marketing template in the editor and see its preview, Meta (the
 * simulator) approves it, then a campaign to a segment goes through the
 * wizard (audience, variable mapping with a per-contact preview, review
 * with the final count) and its report's live progress reaches 100%.
 * Screenshots: tmp/screenshots/campaigns_*.png.
 */
test.group('Campaigns in the browser', () => {
  test('template → approval → campaign to a segment → live progress to 100%', async ({
    assert,
    browser,
  }) => {
    const screenshots = app.makePath('tmp/screenshots')
    await mkdir(screenshots, { recursive: true })
    const number = { phoneNumberId: randomDigits('57', 15), wabaId: randomDigits('67', 15) }
    const simulator = await startPickerSimulator([number])
    const { workspace, owner, channel } = await pickerWorkspace(number)
    const names = ['Asha Rao', 'Bilal Khan', 'Chen Wei']
    await tenancy.run(workspace.id, async () => {
      const gold = await Tag.create({ name: 'Gold', color: 'amber', isPredefined: false })
      for (const [index, name] of names.entries()) {
        const contact = await Contact.create({
          phone: `+1555${randomDigits('', 7)}`,
          name,
          source: 'manual',
        })
        await ContactTag.create({ contactId: contact.id, tagId: gold.id })
        await recordConsent({
          contactId: contact.id,
          event: 'opt_in',
          scope: 'marketing',
          source: 'agent',
          occurredAt: DateTime.utc().minus({ days: 1, minutes: index }),
        })
      }
      // Not gold: never part of the campaign.
      await Contact.create({ phone: `+1555${randomDigits('', 7)}`, name: 'Dev', source: 'manual' })
      await Segment.create({
        name: 'Gold members',
        definition: {
          type: 'group',
          match: 'all',
          conditions: [{ type: 'tag', op: 'has', tag: 'gold' }],
        } as any,
        createdBy: owner.id,
      })
    })

    /* The pipeline runs as in production: a worker and the webhook ingestor. */
    const worker = createQueue({ driver: 'database', concurrency: 4 })
    await worker.work({ queues: ['default', 'webhooks', 'media', 'outbound'] })
    const ingestor = new WebhookIngestor({ idleMs: 10, maxIdleMs: 50 })
    ingestor.start()

    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const errors: string[] = []
    let page: Page | null = null
    try {
      page = await context.newPage()
      page.on('pageerror', (error) => {
        if (!/WebSocket/.test(error.message)) errors.push(error.message)
      })
      const base = `http://127.0.0.1:${process.env.PORT}`
      await page.goto(`${base}/login`)
      await page.locator('[data-test="login-email"]').fill(owner.email)
      await page.locator('[data-test="login-password"]').fill(PASSWORD)
      await page.locator('[data-test="submit"]').click()
      await page.waitForURL(/\/w\//)

      /* 1. The template, in the editor, with its live preview. */
      const templateName = `spring_sale_${randomDigits('', 6)}`
      await page.goto(`${base}/w/${workspace.slug}/templates/new`)
      await page.locator('[data-test="template-editor"]').waitFor()
      const channelSelect = page.locator('#template-channel')
      if (await channelSelect.count()) await channelSelect.selectOption(channel.publicId)
      await page.locator('[data-test="template-name"]').fill(templateName)
      await page.locator('[data-test="template-category"]').selectOption('MARKETING')
      await page
        .locator('[data-test="template-body"]')
        .fill('Hello {{1}}, our spring sale starts today!')
      await page.locator('[data-test="template-example-1"]').fill('Sam')
      const editorPreview = page.locator('[data-test="template-preview"]')
      await editorPreview.getByText('Hello Sam, our spring sale starts today!').waitFor()
      await page.screenshot({ path: `${screenshots}/campaigns_template.png`, fullPage: true })
      await page.locator('[data-test="template-submit"]').click()

      /* 2. Meta (the simulator) approves it; the webhook updates Parley. */
      let remote = [...simulator.state.templates.values()].find((t) => t.name === templateName)
      for (let tries = 0; !remote && tries < 100; tries++) {
        await page.waitForTimeout(100)
        remote = [...simulator.state.templates.values()].find((t) => t.name === templateName)
      }
      assert.exists(remote, 'the template reached the simulator')
      await simulator.state.setTemplateStatus(remote!.id, 'APPROVED')
      let template: MessageTemplate | null = null
      for (let tries = 0; tries < 100; tries++) {
        template = await tenancy.run(workspace.id, () =>
          MessageTemplate.query().where('name', templateName).first()
        )
        if (template?.status === 'APPROVED') break
        await page.waitForTimeout(100)
      }
      assert.equal(template?.status, 'APPROVED')

      /* 3. The campaign wizard. */
      await page.goto(`${base}/w/${workspace.slug}/campaigns`)
      await page.locator('[data-test="empty-state"]').waitFor()
      await page.locator('[data-test="campaign-new-empty"]').click()
      await page.waitForURL(/\/campaigns\/new$/)
      await page.locator('input[data-test="campaign-name"]').fill('Spring sale')
      await page.locator('[data-test="campaign-channel"]').selectOption(channel.publicId)
      await page.locator('[data-test="wizard-next"]').click()

      await page.locator('[data-test="audience-segment-Gold members"]').check()
      await page.locator('[data-test="wizard-next"]').click()

      await page.locator('[data-test="variant-template-0"]').selectOption(template!.publicId)
      await page.locator('[data-test="variable-field-0-body.1"]').selectOption('first_name')
      await page.locator('[data-test="preview-show"]').click()
      const preview = page.locator('[data-test="campaign-preview"]')
      await preview.getByText(/Hello (Asha|Bilal|Chen), our spring sale starts today!/).waitFor()
      await page.screenshot({ path: `${screenshots}/campaigns_content.png`, fullPage: true })
      await page.locator('[data-test="wizard-next"]').click()

      await page.locator('[data-test="schedule-now"]').check()
      await page.locator('[data-test="wizard-next"]').click()

      await page.locator('[data-test="review-count"]').getByText('3').waitFor()
      const sample = await page.locator('[data-test="review-sample"] li').allInnerTexts()
      assert.lengthOf(sample, 3)
      assert.notInclude(sample.join(' '), 'Dev')
      await page.screenshot({ path: `${screenshots}/campaigns_review.png`, fullPage: true })
      await page.locator('[data-test="campaign-send"]').click()

      /* 4. The report: live progress reaches 100%. */
      await page.waitForURL(/\/campaigns\/[0-9A-Z]{26}$/)
      await page
        .locator('[data-test="campaign-percent"]')
        .getByText('100%')
        .waitFor({ timeout: 30_000 })
      await page.locator('[data-test="tile-sent"]').getByText('3').waitFor({ timeout: 10_000 })
      await page.screenshot({ path: `${screenshots}/campaigns_report.png`, fullPage: true })
      await page.goto(`${base}/w/${workspace.slug}/campaigns`)
      await page.locator('[data-test="campaign-row"]', { hasText: 'Spring sale' }).waitFor()
      await page.screenshot({ path: `${screenshots}/campaigns_list.png`, fullPage: true })

      const campaign = await tenancy.run(workspace.id, () =>
        Campaign.query().where('name', 'Spring sale').firstOrFail()
      )
      assert.equal(campaign.totalCount, 3)
      assert.equal(campaign.sentCount, 3)
      const sends = simulator.state.sent.filter(
        (message) => (message.body.template as { name?: string } | undefined)?.name === templateName
      )
      assert.lengthOf(sends, 3)
      assert.deepEqual(errors, [])
    } catch (error) {
      if (page)
        await page.screenshot({ path: `${screenshots}/campaigns_failure.png`, fullPage: true })
      throw error
    } finally {
      await context.close()
      await ingestor.stop()
      await worker.stop()
      await worker.close()
      await simulator.stop()
    }
  }).timeout(120_000)

  test('calendar (keyboard navigation) and settings render and save', async ({
    assert,
    browser,
  }) => {
    const screenshots = app.makePath('tmp/screenshots')
    const number = { phoneNumberId: randomDigits('58', 15), wabaId: randomDigits('68', 15) }
    const { workspace, owner, channel } = await pickerWorkspace(number)
    const at = DateTime.utc().plus({ days: 2 }).set({ hour: 12, minute: 0 })
    await tenancy.run(workspace.id, () =>
      Campaign.create({
        name: 'Weekend promo',
        status: 'scheduled',
        channelId: channel.id,
        audience: {
          include: { segments: [], tags: [], list: false, allContacts: true },
          exclude: { segments: [], tags: [] },
        },
        sendAt: at,
        timezone: 'UTC',
        replyWindowHours: 72,
        createdBy: owner.id,
      })
    )
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const errors: string[] = []
    try {
      const page = await context.newPage()
      page.on('pageerror', (error) => {
        if (!/WebSocket/.test(error.message)) errors.push(error.message)
      })
      const base = `http://127.0.0.1:${process.env.PORT}`
      await page.goto(`${base}/login`)
      await page.locator('[data-test="login-email"]').fill(owner.email)
      await page.locator('[data-test="login-password"]').fill(PASSWORD)
      await page.locator('[data-test="submit"]').click()
      await page.waitForURL(/\/w\//)

      await page.goto(
        `${base}/w/${workspace.slug}/campaigns/calendar?month=${at.toFormat('yyyy-LL')}`
      )
      await page.locator('[data-test="calendar-entry"]', { hasText: 'Weekend promo' }).waitFor()
      const first = page.locator('[data-test="calendar-grid"] [data-day="1"]')
      await first.focus()
      await page.keyboard.press('ArrowRight')
      assert.equal(
        await page.evaluate(() =>
          (globalThis as any).document.activeElement?.getAttribute('data-day')
        ),
        '2'
      )
      await page.keyboard.press('ArrowDown')
      assert.equal(
        await page.evaluate(() =>
          (globalThis as any).document.activeElement?.getAttribute('data-day')
        ),
        '9'
      )
      await page.screenshot({ path: `${screenshots}/campaigns_calendar.png`, fullPage: true })

      await page.goto(`${base}/w/${workspace.slug}/campaigns/settings`)
      await page.locator('[data-test="settings-approval"]').check()
      await page.locator('[data-test="settings-save"]').click()
      await page.getByText('Campaign settings saved.').waitFor()
      const saved = await tenancy.run(workspace.id, async () => {
        const { campaignSettings } = await import('#campaigns/services/settings')
        return campaignSettings()
      })
      assert.isTrue(saved.approvalRequired)
      assert.deepEqual(errors, [])
    } finally {
      await context.close()
    }
  })
})
