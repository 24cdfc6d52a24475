import { mkdir } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import type { Page } from 'playwright-core'
import MessageTemplate from '#templates/models/message_template'
import { tenancy } from '#core/tenancy/context'
import { PASSWORD } from '#tests/helpers/fixtures'
import { pickerWorkspace, randomDigits, startPickerSimulator } from '#tests/helpers/picker'

/**
 * The template editor's one-tap / zero-tap part in Chromium, against the
 * Meta simulator: an authentication template, zero-tap first (the server
 * points at the bad signature hash and the missing terms), then one-tap;
 * apps added and removed with the keyboard; the fixed template is accepted
 * by Meta with its apps in `supported_apps`.
 * Screenshots: tmp/screenshots/template_otp_*.png.
 */
test.group('Template editor: one-tap and zero-tap apps', () => {
  test('authentication → zero-tap / one-tap, a bad hash is pointed at, fixed, saved', async ({
    assert,
    browser,
  }) => {
    const screenshots = app.makePath('tmp/screenshots')
    await mkdir(screenshots, { recursive: true })
    const number = { phoneNumberId: randomDigits('77', 15), wabaId: randomDigits('87', 15) }
    const simulator = await startPickerSimulator([number])
    const { workspace, owner, channel } = await pickerWorkspace(number)

    const context = await browser.newContext({ viewport: { width: 1440, height: 1100 } })
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

      const name = `login_code_${randomDigits('', 6)}`
      await page.goto(`${base}/w/${workspace.slug}/templates/new`)
      await page.locator('[data-test="template-editor"]').waitFor()
      const channelSelect = page.locator('#template-channel')
      if (await channelSelect.count()) await channelSelect.selectOption(channel.publicId)
      await page.locator('[data-test="template-name"]').fill(name)
      await page.locator('[data-test="template-category"]').selectOption('AUTHENTICATION')

      /* Zero-tap: one app row appears, and the terms checkbox with its explanation. */
      await page.locator('[data-test="button-otp-type-0"]').selectOption('ZERO_TAP')
      const apps = page.locator('[data-test="otp-apps"]')
      await apps.waitFor()
      assert.equal(await page.locator('[data-test^="otp-app-package-"]').count(), 1)
      const terms = page.locator('[data-test="otp-zero-tap-terms"]')
      await terms.waitFor()
      await page.getByLabel('App 1: package name').fill('com.example.shop')
      await page.getByLabel('App 1: signature hash').fill('K8a/AINcGX')
      await page.locator('[data-test="template-submit"]').click()

      const hashError = page.locator('[data-test="issue-app-hash"]')
      await hashError.waitFor()
      assert.match(await hashError.innerText(), /App 1: .*exactly 11 characters/)
      assert.equal(
        await page.getByLabel('App 1: signature hash').getAttribute('aria-invalid'),
        'true'
      )
      await page.locator('[data-test="issue-zero-tap-terms"]').waitFor()
      await apps.scrollIntoViewIfNeeded()
      await page.screenshot({ path: `${screenshots}/template_otp_errors.png` })

      /* Fixing the field clears its message. */
      await page.getByLabel('App 1: signature hash').fill('K8a/AINcGX7')
      await hashError.waitFor({ state: 'detached' })

      /* One-tap instead: no terms; apps added and removed with the keyboard. */
      await page.locator('[data-test="button-otp-type-0"]').selectOption('ONE_TAP')
      await terms.waitFor({ state: 'detached' })
      // Both problems are gone (one fixed, one no longer applies): so is the summary.
      await page.locator('[data-test="template-error"]').waitFor({ state: 'detached' })
      await page.locator('[data-test="button-autofill-0"]').fill('Fill my code')
      await page.locator('[data-test="otp-add-app"]').focus()
      await page.keyboard.press('Enter')
      const second = page.getByLabel('App 2: package name')
      await second.waitFor()
      assert.isTrue(
        await second.evaluate((element) => element.matches(':focus')),
        'the new row has the focus'
      )
      await page.keyboard.type('com.example.shop.beta')
      await page.keyboard.press('Tab')
      await page.keyboard.type('Zx9+AbCd=12')
      // A third app, then removed again from the keyboard.
      await page.locator('[data-test="otp-add-app"]').focus()
      await page.keyboard.press('Enter')
      await page.getByLabel('App 3: package name').waitFor()
      await page.locator('[data-test="otp-app-remove-2"]').focus()
      await page.keyboard.press('Enter')
      await page.getByLabel('App 3: package name').waitFor({ state: 'detached' })
      assert.equal(await page.locator('[data-test^="otp-app-package-"]').count(), 2)

      /* The preview shows the autofill button with its label. */
      await page
        .locator('[data-test="template-preview"] [data-test="preview-button"]', {
          hasText: 'Fill my code',
        })
        .waitFor()
      await apps.scrollIntoViewIfNeeded()
      await page.screenshot({ path: `${screenshots}/template_otp_fixed.png` })

      await page.locator('[data-test="template-submit"]').click()
      await page.waitForURL(/\/templates$/)

      let remote = [...simulator.state.templates.values()].find((t) => t.name === name)
      for (let tries = 0; !remote && tries < 50; tries++) {
        await page.waitForTimeout(100)
        remote = [...simulator.state.templates.values()].find((t) => t.name === name)
      }
      assert.exists(remote, 'Meta (the simulator) accepted the template')
      const expected = {
        type: 'OTP',
        otp_type: 'ONE_TAP',
        autofill_text: 'Fill my code',
        supported_apps: [
          { package_name: 'com.example.shop', signature_hash: 'K8a/AINcGX7' },
          { package_name: 'com.example.shop.beta', signature_hash: 'Zx9+AbCd=12' },
        ],
      }
      const buttonsOf = (components: any[]) =>
        components.find((component) => component.type === 'BUTTONS').buttons
      assert.deepEqual(buttonsOf(remote!.components), [expected])
      const stored = await tenancy.run(workspace.id, () =>
        MessageTemplate.query().where('name', name).firstOrFail()
      )
      assert.equal(stored.status, 'PENDING')
      assert.deepEqual(buttonsOf(stored.components), [expected])

      /* In Arabic the form reads right to left, labels and terms translated. */
      owner.locale = 'ar'
      await owner.save()
      await page.goto(`${base}/w/${workspace.slug}/templates/new`)
      await page.locator('html[dir="rtl"]').waitFor({ state: 'attached' })
      await page.locator('[data-test="template-category"]').selectOption('AUTHENTICATION')
      await page.locator('[data-test="button-otp-type-0"]').selectOption('ZERO_TAP')
      await page.getByLabel('التطبيق 1: اسم الحزمة').waitFor()
      await page.locator('[data-test="otp-zero-tap-terms"]').waitFor()
      await apps.scrollIntoViewIfNeeded()
      await page.screenshot({ path: `${screenshots}/template_otp_rtl.png` })
      assert.deepEqual(errors, [])
    } finally {
      await page?.close()
      await context.close()
      await simulator.stop()
    }
  })
})
