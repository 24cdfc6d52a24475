import { mkdir } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { PASSWORD, makeWorkspace } from '#tests/helpers/fixtures'

/**
 * The inbox's settings pages in Chromium, as the workspace owner: each one
 * renders, and its main form creates a record that then shows in the page.
 * Screenshots: tmp/screenshots/settings_<page>.png.
 */
test.group('Inbox settings pages in the browser', () => {
  test('teams, routing, tags and saved replies: render and create', async ({ assert, browser }) => {
    const screenshots = app.makePath('tmp/screenshots')
    await mkdir(screenshots, { recursive: true })
    const { workspace, owner } = await makeWorkspace()
    const base = `http://127.0.0.1:${process.env.PORT}`
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    try {
      await page.goto(`${base}/login`)
      await page.locator('[data-test="login-email"]').fill(owner.email)
      await page.locator('[data-test="login-password"]').fill(PASSWORD)
      await page.locator('[data-test="submit"]').click()
      await page.waitForURL(/\/w\//)

      /* Teams */
      await page.goto(`${base}/w/${workspace.slug}/settings/teams`)
      await page.locator('[data-test="team-name"]').first().fill('Billing')
      await page.locator('[data-test="team-submit"]').first().click()
      await page.getByText('Team created.').waitFor()
      // The new team is listed as an editable name.
      const values = await page
        .locator('input')
        .evaluateAll((inputs) => inputs.map((input) => (input as { value: string }).value))
      assert.include(values, 'Billing')
      await page.screenshot({ path: `${screenshots}/settings_teams.png`, fullPage: true })

      /* Tags */
      await page.goto(`${base}/w/${workspace.slug}/settings/tags`)
      await page.locator('[data-test="tag-new"]').click()
      await page.locator('[data-test="tag-name"]').fill('Wholesale')
      await page.locator('[data-test="tag-editor"] [data-test="submit"]').click()
      await page.locator('[data-test="tag-row"]', { hasText: 'Wholesale' }).waitFor()
      await page.screenshot({ path: `${screenshots}/settings_tags.png`, fullPage: true })

      /* Saved replies */
      await page.goto(`${base}/w/${workspace.slug}/settings/replies`)
      await page.locator('[data-test="reply-new"]').click()
      await page.locator('[data-test="reply-shortcut"]').fill('thanks')
      await page.locator('[data-test="reply-title"]').fill('Thank you')
      await page.locator('[data-test="reply-body"]').fill('Thank you {{contact.first_name}}!')
      await page.locator('[data-test="reply-editor"] [data-test="submit"]').click()
      await page.locator('[data-test="reply-row"]', { hasText: 'thanks' }).waitFor()
      await page.screenshot({ path: `${screenshots}/settings_replies.png`, fullPage: true })

      /* Routing */
      await page.goto(`${base}/w/${workspace.slug}/settings/routing`)
      await page.locator('[data-test="routing-rule-new"]').click()
      await page.locator('[data-test="routing-rule-form"]').waitFor()
      await page.screenshot({ path: `${screenshots}/settings_routing.png`, fullPage: true })

      assert.deepEqual(errors, [], 'no script errors on the pages')
    } catch (error) {
      await page.screenshot({ path: `${screenshots}/settings_failure.png`, fullPage: true })
      throw error
    } finally {
      await context.close()
    }
  }).timeout(60_000)
})
