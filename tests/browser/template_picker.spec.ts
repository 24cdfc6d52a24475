import { mkdir } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import type { Page } from 'playwright-core'
import Message from '#inbox/models/message'
import { tenancy } from '#core/tenancy/context'
import { PASSWORD } from '#tests/helpers/fixtures'
import {
  pickerConversation,
  pickerTemplate,
  pickerWorkspace,
  randomDigits,
} from '#tests/helpers/picker'

/**
 * The composer's template picker in a browser, with the keyboard: the
 * 24-hour window is closed, so free text is disabled and the agent sends
 * an approved template with a value pre-filled from the contact and
 * edited. Screenshot: tmp/screenshots/template_picker.png.
 */
test.group('Template picker in the browser', () => {
  test('outside the window: search, preview, edit a pre-filled value, Enter sends, Esc closes', async ({
    assert,
    browser,
  }) => {
    const screenshots = app.makePath('tmp/screenshots')
    await mkdir(screenshots, { recursive: true })
    const { workspace, owner, channel } = await pickerWorkspace({
      phoneNumberId: randomDigits('37', 15),
      wabaId: randomDigits('47', 15),
    })
    const { conversation } = await pickerConversation(workspace, channel, {
      name: 'Nadia Karim',
      windowOpen: false,
    })
    await pickerTemplate(workspace, channel, null, {
      name: 'appointment_reminder',
      components: [
        {
          type: 'BODY',
          text: 'Hi {{1}}, see you on {{2}}.',
          example: { body_text: [['Sam', 'Monday']] },
        },
      ],
    })
    await pickerTemplate(workspace, channel, null, {
      name: 'welcome_named',
      parameterFormat: 'named',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Acme Clinic' },
        {
          type: 'BODY',
          text: 'Welcome back {{first_name}}!',
          example: { body_text_named_params: [{ param_name: 'first_name', example: 'Sam' }] },
        },
        { type: 'FOOTER', text: 'Acme' },
      ],
    })

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    let page: Page | null = null
    try {
      page = await context.newPage()
      const base = `http://127.0.0.1:${process.env.PORT}`
      await page.goto(`${base}/login`)
      await page.locator('[data-test="login-email"]').fill(owner.email)
      await page.locator('[data-test="login-password"]').fill(PASSWORD)
      await page.locator('[data-test="submit"]').click()
      await page.waitForURL(/\/w\//)
      await page.goto(`${base}/w/${workspace.slug}/inbox/c/${conversation.publicId}`)

      await page.locator('[data-test="composer-window-closed"]').waitFor()
      assert.isTrue(await page.locator('[data-test="composer-text"]').isDisabled())

      /* Open, then Esc closes. */
      await page.locator('[data-test="composer-template"]').click()
      const dialog = page.locator('[data-test="template-picker"]')
      await dialog.waitFor()
      await page.locator('[data-test="picker-option"]').nth(1).waitFor()
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'detached' })

      /* Open again; the search box has the focus. */
      await page.locator('[data-test="composer-window-template"]').click()
      await dialog.waitFor()
      const search = page.locator('[data-test="picker-search"]')
      await search.waitFor()
      assert.isTrue(await search.evaluate((element) => element.matches(':focus')))
      await page.keyboard.type('zzz')
      await page.locator('[data-test="picker-no-results"]').waitFor()
      await search.fill('welcome')
      await page
        .locator('[data-test="picker-option"]')
        .filter({ hasText: 'appointment_reminder' })
        .waitFor({ state: 'detached' })
      const value = page.locator('[data-test="picker-value-body.first_name"]')
      await value.waitFor()
      assert.equal(await value.inputValue(), 'Nadia', 'pre-filled from the contact')
      await page
        .locator('[data-test="template-preview"]', { hasText: 'Welcome back Nadia!' })
        .waitFor()

      /* Edit the value; the preview and the counter follow; Enter sends. */
      await value.fill('Nadia K.')
      await page
        .locator('[data-test="template-preview"]', { hasText: 'Welcome back Nadia K.!' })
        .waitFor()
      assert.equal(
        (await page.locator('[data-test="picker-counter-body.first_name"]').innerText()).trim(),
        '8/1,024'
      )
      await page.screenshot({ path: `${screenshots}/template_picker.png` })
      await value.press('Enter')
      await dialog.waitFor({ state: 'detached' })
      const bubble = page.locator('[data-test="message-out"]', {
        hasText: 'Welcome back Nadia K.!',
      })
      await bubble.waitFor()
      // The header is drawn bold, as WhatsApp shows it, not as literal *asterisks*.
      const body = bubble.locator('[data-test="message-body"]')
      assert.notInclude(await body.innerText(), '*')
      assert.equal(
        (await body.locator('span.font-semibold').first().innerText()).trim(),
        'Acme Clinic'
      )

      const stored = await tenancy.run(workspace.id, () =>
        Message.query().where('conversation_id', conversation.id).where('type', 'template').first()
      )
      assert.exists(stored)
      assert.equal(stored!.body, '*Acme Clinic*\n\nWelcome back Nadia K.!\n\nAcme')
      assert.deepEqual((stored!.payload as any).content.components, [
        {
          type: 'body',
          parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Nadia K.' }],
        },
      ])
    } catch (error) {
      await page?.screenshot({ path: `${screenshots}/template_picker_failure.png` }).catch(() => {})
      throw error
    } finally {
      await context.close()
    }
  }).timeout(90_000)
})
