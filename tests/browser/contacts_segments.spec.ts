import { mkdir } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import Contact from '#contacts/models/contact'
import ContactTag from '#contacts/models/contact_tag'
import CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import { tenancy } from '#core/tenancy/context'
import { writeFieldValues } from '#contacts/services/custom_fields'
import { PASSWORD, makeWorkspace } from '#tests/helpers/fixtures'

/**
 * The segment builder in Chromium: two groups (tag VIP, OR orders > 10),
 * the live count follows each change, the segment is saved.
 * Screenshot: tmp/screenshots/contacts_segments.png.
 */
test.group('Segment builder in the browser', () => {
  test('build a segment with two groups, watch the live count, save it', async ({
    assert,
    browser,
  }) => {
    const screenshots = app.makePath('tmp/screenshots')
    await mkdir(screenshots, { recursive: true })
    const { workspace, owner } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      const vip = await Tag.query().where('name', 'VIP').firstOrFail()
      const orders = await CustomField.create({
        key: 'orders',
        label: 'Orders',
        type: 'number',
        options: [],
        required: false,
        position: 0,
      })
      // VIP: Asha, Bilal. Orders > 10: Chen (12), Esra (20). Dev (5) matches neither.
      const people: [string, boolean, number | null][] = [
        ['Asha', true, 3],
        ['Bilal', true, null],
        ['Chen', false, 12],
        ['Dev', false, 5],
        ['Esra', false, 20],
      ]
      for (const [index, [name, isVip, count]] of people.entries()) {
        const contact = await Contact.create({
          phone: `+9193${index}0000000`,
          name,
          source: 'manual',
        })
        if (isVip) await ContactTag.create({ contactId: contact.id, tagId: vip.id })
        if (count !== null) {
          await writeFieldValues([{ contactId: contact.id, field: orders, value: count }])
        }
      }
    })

    const base = `http://127.0.0.1:${process.env.PORT}`
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
    const page = await context.newPage()
    const errors: string[] = []
    // The Vite client's HMR socket is not part of the page under test.
    page.on('pageerror', (error) => {
      if (!/WebSocket/.test(error.message)) errors.push(error.message)
    })
    const liveCount = async (expected: string) => {
      await page.waitForFunction(
        (text) => {
          // Runs in the page: `document` is the browser's (the test's tsconfig has no DOM lib).
          const node = (globalThis as any).document.querySelector(
            '[data-test="segment-live-count"]'
          ) as { getAttribute(name: string): string | null; textContent: string | null } | null
          return (
            node?.getAttribute('data-counting') === 'false' && node.textContent?.trim() === text
          )
        },
        expected,
        { timeout: 10_000 }
      )
    }
    try {
      await page.goto(`${base}/login`)
      await page.locator('[data-test="login-email"]').fill(owner.email)
      await page.locator('[data-test="login-password"]').fill(PASSWORD)
      await page.locator('[data-test="submit"]').click()
      await page.waitForURL(/\/w\//)

      await page.goto(`${base}/w/${workspace.slug}/contacts/segments`)
      await page.locator('[data-test="empty-state"]').waitFor()
      await page.locator('[data-test="segment-new"]').click()
      await page.waitForURL(/\/contacts\/segments\/new$/)
      // No condition yet: every contact.
      await liveCount('5')

      const root = page.locator('[data-test="segment-group"][data-path=""]')
      await root.locator('[data-test="group-match-any"]').first().click()
      const rootActions = root.locator('> [data-test="group-actions"]')

      /* Group 1: tag VIP */
      await rootActions.locator('[data-test="add-group"]').click()
      const first = page.locator(
        '[data-test="segment-condition"][data-path="conditions[0].conditions[0]"]'
      )
      await first.locator('[data-test="condition-subject"]').selectOption('tag')
      await first.locator('[data-test="condition-tag"]').selectOption('VIP')
      await liveCount('2')

      /* Group 2: custom field orders > 10 */
      await rootActions.locator('[data-test="add-group"]').click()
      const second = page.locator(
        '[data-test="segment-condition"][data-path="conditions[1].conditions[0]"]'
      )
      await second.locator('[data-test="condition-subject"]').selectOption('custom:orders')
      await second.locator('[data-test="condition-op"]').selectOption('gt')
      await second.locator('[data-test="condition-value"]').fill('10')
      await liveCount('4')
      const sample = await page.locator('[data-test="segment-sample"] li').allInnerTexts()
      assert.lengthOf(sample, 4)
      assert.notInclude(sample.join(' '), 'Dev')

      await page.locator('[data-test="segment-name"]').fill('VIP or big buyers')
      await page.screenshot({ path: `${screenshots}/contacts_segments.png`, fullPage: true })
      await page.locator('[data-test="segment-save"]').click()
      await page.waitForURL(/\/contacts\/segments\/[0-9A-Z]{26}$/)
      await liveCount('4')

      const saved = await tenancy.run(workspace.id, () =>
        Segment.query().where('name', 'VIP or big buyers').firstOrFail()
      )
      assert.equal(saved.lastCount, 4)
      assert.equal(saved.definition.match, 'any')
      assert.lengthOf(saved.definition.conditions, 2)

      await page.goto(`${base}/w/${workspace.slug}/contacts/segments`)
      await page.locator('[data-test="segment-row"]', { hasText: 'VIP or big buyers' }).waitFor()
      await page.screenshot({ path: `${screenshots}/contacts_segments_list.png`, fullPage: true })
      assert.deepEqual(errors, [], 'no script errors on the pages')
    } catch (error) {
      await page.screenshot({
        path: `${screenshots}/contacts_segments_failure.png`,
        fullPage: true,
      })
      throw error
    } finally {
      await context.close()
    }
  }).timeout(90_000)
})
