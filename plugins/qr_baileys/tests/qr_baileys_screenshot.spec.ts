import { mkdir } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { chromium } from 'playwright-core'
import { qrRuntime } from '../src/runtime.js'
import { waitFor } from './fake_socket.js'
import { addNumber, freshRuntime, qrWorkspace, sessionRow } from './helpers.js'

/**
 * Screenshot of the connect page with a live QR code (fake socket), in
 * Debian's Chromium (CHROMIUM_PATH overrides /usr/bin/chromium).
 * Writes tmp/screenshots/qr_baileys_connect.png.
 */
test.group('QR connector: screenshot', (group) => {
  group.each.teardown(() => qrRuntime.reset())

  test('the connect page shows the QR code, its countdown and the state', async ({
    client,
    assert,
  }) => {
    const { fake, manager } = await freshRuntime()
    const workspace = await qrWorkspace()
    const { channel } = await addNumber(client, workspace, 'Front desk')
    await addNumber(client, workspace, 'Support line')
    await manager.tick()
    const socket = await waitFor(() => fake.sockets.find((item) => item.auth) ?? null)
    socket.emit('connection.update', { qr: '2@fake-qr-for-the-screenshot,abc,def,ghi' })
    await waitFor(async () => (await sessionRow(channel.id))?.qr)

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const base = `http://127.0.0.1:${process.env.PORT}`
      await page.goto(`${base}/login`)
      await page.locator('[data-test="login-email"]').fill(workspace.owner.email)
      await page.locator('[data-test="login-password"]').fill('secret-pass-1')
      await page.locator('[data-test="submit"]').click()
      await page.waitForURL(/\/w\//)
      await page.goto(`${base}/w/${workspace.slug}/p/qr_baileys`)
      await page.locator('[data-test="qr-image"]').waitFor()
      await page.locator('[data-test="qr-countdown"]').waitFor()
      const dir = app.makePath('tmp/screenshots')
      await mkdir(dir, { recursive: true })
      await page.screenshot({ path: `${dir}/qr_baileys_connect.png`, fullPage: true })
      assert.include(await page.locator('[data-test="qr-risk"]').innerText(), 'unofficial')
    } finally {
      await browser.close()
    }
  }).timeout(60_000)
})
