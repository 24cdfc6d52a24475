import { mkdir } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import Tag from '#contacts/models/tag'
import { tenancy } from '#core/tenancy/context'
import { PASSWORD, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'

/**
 * Contacts list in Chromium: select every contact a search matches (more
 * than one page), tag them all; the action runs as a background job and
 * its progress bar reaches "Done" without a reload.
 * Screenshot: tmp/screenshots/contacts_bulk_done.png.
 */
test.group('Contacts bulk action in the browser', () => {
  test('select all matching, tag, watch the progress bar finish', async ({ assert, browser }) => {
    const screenshots = app.makePath('tmp/screenshots')
    await mkdir(screenshots, { recursive: true })
    const { workspace, owner } = await makeWorkspace()
    const now = DateTime.utc().toFormat('yyyy-LL-dd HH:mm:ss')
    await db.table('contacts').multiInsert(
      Array.from({ length: 75 }, (_, index) => ({
        workspace_id: workspace.id,
        public_id: `01BQKKSH0P${String(index).padStart(16, '0')}`,
        phone: `+33612777${String(index).padStart(3, '0')}`,
        name: `Shopper ${index}`,
        source: 'manual',
        created_at: now,
        updated_at: now,
      }))
    )
    const tag = await tenancy.run(workspace.id, () =>
      Tag.query().where('name', 'VIP').firstOrFail()
    )
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

      await page.goto(`${base}/w/${workspace.slug}/contacts?q=Shopper`)
      await page.locator('[data-test="select-page"]').check()
      await page.locator('[data-test="select-all-matching"]').click()
      await page.locator('[data-test="bulk-count"]', { hasText: '75' }).waitFor()
      await page.locator('select[data-test="bulk-action"]').selectOption('tag')
      await page.locator('select[data-test="bulk-tag"]').selectOption(tag.publicId)
      await page.locator('[data-test="bulk-apply"]').click()

      await page.locator('[data-test="bulk-progress"]').waitFor()
      await drainQueue({ timeoutMs: 30_000 })
      const done = page.locator('[data-test="bulk-progress"] [data-status="completed"]')
      await done.waitFor({ timeout: 15_000 })
      assert.equal(await done.locator('[role="progressbar"]').getAttribute('aria-valuenow'), '100')
      assert.include(await done.locator('[data-test="bulk-status"]').innerText(), '75')
      assert.include(await done.innerText(), '“VIP”')
      await page.waitForTimeout(400) // the bar's width transition
      await page.screenshot({ path: `${screenshots}/contacts_bulk_done.png`, fullPage: true })

      const [count] = await db
        .from('contact_tags')
        .where('workspace_id', workspace.id)
        .where('tag_id', tag.id)
        .count('* as n')
      assert.equal(Number(count.n), 75)
      assert.deepEqual(errors, [], 'no script errors on the page')
    } catch (error) {
      await page.screenshot({ path: `${screenshots}/contacts_bulk_failure.png` }).catch(() => {})
      throw error
    } finally {
      await context.close()
    }
  }).timeout(90_000)
})
