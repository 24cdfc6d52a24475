import { test } from '@japa/runner'
import User from '#core/models/user'
import { mailbox } from '#tests/helpers/mailbox'
import { makeUser, makeWorkspace, PASSWORD } from '#tests/helpers/fixtures'

test.group('Login and logout', () => {
  test('a member logs in and lands in their only workspace', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    const response = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: owner.email, password: PASSWORD })
      .redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', `/w/${workspace.slug}`)
    await owner.refresh()
    assert.isNotNull(owner.lastLoginAt)
  })

  test('a wrong password says so without saying which part was wrong', async ({ client }) => {
    const user = await makeUser()
    const response = await client
      .post('/login')
      .withCsrfToken()
      .header('referer', '/login')
      .form({ email: user.email, password: 'not-the-password1' })
      .redirects(0)
    response.assertStatus(302)
    response.assertFlashMessage('errors', { email: 'Email or password is wrong.' } as any)
  })

  test('login attempts are throttled after five failures', async ({ client, assert }) => {
    const user = await makeUser()
    for (let attempt = 0; attempt < 5; attempt++) {
      await client
        .post('/login')
        .withCsrfToken()
        .form({ email: user.email, password: 'wrong-pass-1' })
        .redirects(0)
    }
    // Even the right password is refused while blocked.
    const response = await client
      .post('/login')
      .withCsrfToken()
      .header('referer', '/login')
      .form({ email: user.email, password: PASSWORD })
      .redirects(0)
    response.assertStatus(302)
    assert.notEqual(response.header('location'), '/workspaces')
    const errors = response.flashMessages().errors as Record<string, string>
    assert.match(errors.email, /Too many attempts/)
  })

  test('logout ends the session', async ({ client }) => {
    const user = await makeUser()
    const response = await client.post('/logout').loginAs(user).withCsrfToken().redirects(0)
    response.assertStatus(302)
    response.assertHeader('location', '/login')
    const after = await client.get('/workspaces').redirects(0)
    after.assertStatus(302)
    after.assertHeader('location', '/login')
  })

  test('remember me issues a long-lived cookie', async ({ client, assert }) => {
    const user = await makeUser()
    const response = await client
      .post('/login')
      .withCsrfToken()
      .form({ email: user.email, password: PASSWORD, remember: true })
      .redirects(0)
    assert.exists(response.cookie('remember_web'))
  })
})

test.group('Password reset', () => {
  test('a reset link by email sets a new password once', async ({ client, assert }) => {
    const user = await makeUser()
    const asked = await client
      .post('/forgot-password')
      .withCsrfToken()
      .header('referer', '/forgot-password')
      .form({ email: user.email })
      .redirects(0)
    asked.assertFlashMessage(
      'success',
      'If an account exists for that email, we sent a reset link.'
    )

    const mail = await mailbox.latestFor(user.email)
    assert.exists(mail)
    const link = mailbox.linkIn(mail!, '/reset-password/')
    const token = link.split('/').pop()!

    const page = await client.get(link).withInertia()
    page.assertInertiaPropsContains({ valid: true })

    const reset = await client
      .post('/reset-password')
      .withCsrfToken()
      .form({ token, password: 'brand-new-pass-9' })
      .redirects(0)
    reset.assertStatus(302)
    const fresh = await User.verifyCredentials(user.email, 'brand-new-pass-9')
    assert.equal(fresh.id, user.id)

    // The same link cannot be used twice.
    const reused = await client
      .post('/reset-password')
      .withCsrfToken()
      .header('referer', link)
      .form({ token, password: 'another-pass-9' })
      .redirects(0)
    reused.assertFlashMessage('error', 'This link is invalid or has expired. Ask for a new one.')
    await assert.rejects(() => User.verifyCredentials(user.email, 'another-pass-9'))
  })

  test('an unknown email gets the same answer and no mail', async ({ client, assert }) => {
    const before = (await mailbox.all()).length
    const response = await client
      .post('/forgot-password')
      .withCsrfToken()
      .header('referer', '/forgot-password')
      .form({ email: 'nobody-here@example.test' })
      .redirects(0)
    response.assertFlashMessage(
      'success',
      'If an account exists for that email, we sent a reset link.'
    )
    assert.equal((await mailbox.all()).length, before)
  })
})

test.group('Guest pages', () => {
  test('login and sign-up render their Inertia pages', async ({ client }) => {
    const login = await client.get('/login').withInertia()
    login.assertStatus(200)
    login.assertInertiaComponent('auth/login')
    login.assertInertiaPropsContains({ googleEnabled: false, signupEnabled: true })
    const signup = await client.get('/signup').withInertia()
    signup.assertInertiaComponent('auth/signup')
  })

  test('Google sign-in is off without credentials', async ({ client }) => {
    const response = await client.get('/auth/google/redirect').redirects(0)
    response.assertStatus(404)
  })
})

test.group('Login redirects', () => {
  test('`next` is followed only to a path of this site', async ({ client }) => {
    const { workspace, owner } = await makeWorkspace()
    for (const next of ['//evil.example', '/\\evil.example', 'https://evil.example']) {
      const response = await client
        .post(`/login?next=${encodeURIComponent(next)}`)
        .withCsrfToken()
        .form({ email: owner.email, password: PASSWORD })
        .redirects(0)
      response.assertHeader('location', `/w/${workspace.slug}`)
      await client.post('/logout').loginAs(owner).withCsrfToken().redirects(0)
    }
    const local = await client
      .post(`/login?next=${encodeURIComponent(`/w/${workspace.slug}/settings/profile`)}`)
      .withCsrfToken()
      .form({ email: owner.email, password: PASSWORD })
      .redirects(0)
    local.assertHeader('location', `/w/${workspace.slug}/settings/profile`)
  })
})
