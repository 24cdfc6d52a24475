import { mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { mailbox } from '#tests/helpers/mailbox'

/**
 * Whole-journey smoke test in a real browser: sign up, invite a teammate,
 * switch the interface to Arabic and check the RTL layout.
 *
 * Relative URLs resolve against the browser context's baseURL, which
 * @japa/browser-client builds from HOST and PORT (.env.test: 127.0.0.1:3334),
 * the address the browser suite's HTTP server listens on.
 */
const VIEWPORT = { width: 1280, height: 800 }
const ARABIC = /[\u0600-\u06FF]/

test.group('Journey', () => {
  test('sign up, invite a teammate, and switch the interface to Arabic (RTL)', async ({
    visit,
    assert,
  }) => {
    const screenshots = app.makePath('tests/browser/screenshots')
    await mkdir(screenshots, { recursive: true })

    const id = randomBytes(4).toString('hex')
    const email = `journey-${id}@example.test`
    const slug = `journey-${id}`
    const teammate = `teammate-${id}@example.test`

    /* Sign up */
    const page = await visit('/signup')
    await page.setViewportSize(VIEWPORT)
    const html = page.locator('html')

    await page.locator('[data-test="signup-fullName"]').fill('Journey Owner')
    await page.locator('[data-test="signup-email"]').fill(email)
    await page.locator('[data-test="signup-password"]').fill('correct-horse-battery-9')
    await page.locator('[data-test="signup-workspaceName"]').fill(`Journey ${id}`)
    await page.locator('[data-test="signup-workspaceSlug"]').fill(slug)
    await page.locator('[data-test="submit"]').click()

    await page.waitForURL(new RegExp(`/w/${slug}/?$`))
    const sidebar = page.locator('[data-test="sidebar"]')
    await sidebar.waitFor({ state: 'visible' })
    assert.equal(await html.getAttribute('dir'), 'ltr')

    /* Settings → Members: invite a support agent */
    await page.locator('[data-test="nav-settings"]').click()
    await page.waitForURL(new RegExp(`/w/${slug}/settings/profile$`))
    await page.locator('[data-test="settings-tab-members"]').click()
    await page.waitForURL(new RegExp(`/w/${slug}/settings/members$`))

    await page.locator('[data-test="invite-email"]').fill(teammate)
    await page.locator('[data-test="invite-role"]').selectOption({ label: 'Support agent' })
    await page.locator('[data-test="invite-submit"]').click()

    const invitationRow = page.locator('[data-test="invitation-row"]', { hasText: teammate })
    await invitationRow.waitFor({ state: 'visible' })
    assert.include(await invitationRow.innerText(), 'Support agent')

    const mail = await mailbox.latestFor(teammate)
    assert.exists(mail, `no invitation email for ${teammate}`)
    assert.include(mailbox.linkIn(mail!, '/invitations/'), '/invitations/')

    await page.screenshot({ path: `${screenshots}/journey-ltr.png`, fullPage: true })

    /* Settings → Profile: switch to Arabic */
    await page.locator('[data-test="settings-tab-profile"]').click()
    await page.waitForURL(new RegExp(`/w/${slug}/settings/profile$`))
    await page.locator('[data-test="profile-locale"]').selectOption('ar')
    await page.locator('[data-test="profile-save"]').click()

    // The document direction flips once the saved locale comes back in the props.
    await page.locator('html[dir="rtl"]').waitFor({ state: 'attached' })
    assert.equal(await html.getAttribute('dir'), 'rtl')
    assert.equal(await html.getAttribute('lang'), 'ar')

    // Sidebar text is Arabic (wait for the re-render) and the sidebar sits on the right.
    await page
      .locator('[data-test="sidebar"] [data-test="nav-dashboard"]')
      .filter({ hasText: ARABIC })
      .waitFor({ state: 'visible' })
    assert.match(await sidebar.innerText(), ARABIC)

    const box = await sidebar.boundingBox()
    assert.isNotNull(box)
    assert.isAbove(box!.x, VIEWPORT.width / 2, 'the sidebar should be on the right in RTL')
    assert.closeTo(box!.x + box!.width, VIEWPORT.width, 1)

    // A full reload renders RTL from the server too.
    await page.reload()
    assert.equal(await html.getAttribute('dir'), 'rtl')
    await sidebar.waitFor({ state: 'visible' })

    await page.screenshot({ path: `${screenshots}/journey-rtl.png`, fullPage: true })
  })
})
