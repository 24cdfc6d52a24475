import { mkdir } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { PASSWORD, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'

/**
 * Contacts → Imports in Chromium: upload a small CSV, map an unrecognised
 * column on the mapping screen, see the preview as stored, start, and
 * watch the progress bar reach 100% with the counts (live over Transmit).
 * Screenshots: tmp/screenshots/contacts_import_<step>.png.
 */
test.group('Contacts import in the browser', () => {
  test('upload, map, start, watch it finish', async ({ assert, browser }) => {
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

      await page.goto(`${base}/w/${workspace.slug}/contacts/imports`)
      await page.locator('[data-test="empty-state"]').waitFor()
      const csv = [
        'Telephone,Nom,Consent',
        '06 12 34 56 78,Zoé,yes',
        '06 98 76 54 32,Ali,no',
        'oops,Bad,yes',
        '+44 7400 123456,Sam,',
      ].join('\n')
      await page.locator('#import-file').setInputFiles({
        name: 'fair.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(csv),
      })
      await page.locator('[data-test="import-upload"] button[type="submit"]').click()
      await page.locator('[data-test="import-mapping"]').waitFor()

      // "Telephone" and "Consent" are recognised; "Nom" is not: map it to the name.
      assert.equal(await page.locator('[data-test="target-0"]').inputValue(), 'standard:phone')
      assert.equal(await page.locator('[data-test="target-2"]').inputValue(), 'consent')
      assert.equal(await page.locator('[data-test="target-1"]').inputValue(), 'ignore')
      await page.locator('[data-test="target-1"]').selectOption('standard:name')
      await page.locator('[data-test="default-country"]').selectOption('FR')
      await page.locator('[data-test="import-tags"]').fill('Spring fair')
      await page.locator('[data-test="preview-row-1"]', { hasText: '+33612345678' }).waitFor()
      await page.locator('[data-test="preview-row-1"]', { hasText: 'Zoé' }).waitFor()
      await page.locator('[data-test="preview-row-3"]', { hasText: 'Not a phone number' }).waitFor()
      await page.locator('[data-test="preview-row-1"]', { hasText: 'Spring fair' }).waitFor()
      await page.screenshot({ path: `${screenshots}/contacts_import_mapping.png`, fullPage: true })

      await page.locator('[data-test="import-start"]').click()
      await page.locator('[data-test="import-progress"]').waitFor()
      await drainQueue({ timeoutMs: 30_000 })
      await page.locator('[data-test="import-status-completed"]').waitFor({ timeout: 15_000 })
      await page.locator('[data-test="import-percent"]', { hasText: '100' }).waitFor()
      assert.equal(
        await page.locator('[data-test="import-progress-bar"]').getAttribute('aria-valuenow'),
        '100'
      )
      assert.equal((await page.locator('[data-test="count-created"]').textContent())?.trim(), '3')
      assert.equal((await page.locator('[data-test="count-errors"]').textContent())?.trim(), '1')
      await page.locator('[data-test="errors-download"]').waitFor()
      await page.waitForTimeout(400) // the bar's width transition
      await page.screenshot({ path: `${screenshots}/contacts_import_done.png`, fullPage: true })

      await page.goto(`${base}/w/${workspace.slug}/contacts/imports`)
      await page.locator('[data-test="imports-table"]', { hasText: 'fair.csv' }).waitFor()
      await page.screenshot({ path: `${screenshots}/contacts_import_list.png`, fullPage: true })

      assert.deepEqual(errors, [], 'no script errors on the pages')
    } catch (error) {
      await page.screenshot({ path: `${screenshots}/contacts_import_failure.png`, fullPage: true })
      throw error
    } finally {
      await context.close()
    }
  }).timeout(90_000)
})
