import { test } from '@japa/runner'
import Workspace from '#core/models/workspace'
import User from '#core/models/user'
import Role from '#core/models/role'
import Tag from '#contacts/models/tag'
import BusinessHour from '#inbox/models/business_hour'
import { tenancy } from '#core/tenancy/context'
import { mailbox } from '#tests/helpers/mailbox'
import { makeUser, unique } from '#tests/helpers/fixtures'

function signupBody(overrides: Record<string, unknown> = {}) {
  const slug = unique('acme')
  return {
    fullName: 'Amina Diallo',
    email: `${slug}@example.test`,
    password: 'good-pass-123',
    workspaceName: 'Acme Trading',
    workspaceSlug: slug,
    timezone: 'Africa/Dakar',
    ...overrides,
  }
}

test.group('Sign-up', () => {
  test('creates the user and a provisioned workspace in under a second', async ({
    client,
    assert,
  }) => {
    const body = signupBody()
    const started = performance.now()
    const response = await client.post('/signup').withCsrfToken().form(body).redirects(0)
    const elapsed = performance.now() - started

    response.assertStatus(302)
    response.assertHeader('location', `/w/${body.workspaceSlug}`)
    assert.isBelow(elapsed, 1000, `sign-up took ${Math.round(elapsed)} ms`)

    const workspace = await Workspace.query()
      .where('slug', body.workspaceSlug)
      .preload('plan')
      .firstOrFail()
    assert.equal(workspace.status, 'trial')
    assert.isTrue(workspace.plan.isTrial)
    assert.equal(workspace.timezone, 'Africa/Dakar')
    await tenancy.run(workspace.id, async () => {
      const roles = await Role.query().orderBy('id')
      assert.deepEqual(
        roles.map((role) => role.key),
        ['owner', 'admin', 'manager', 'marketing', 'sales', 'agent']
      )
      // Contacts' default tags plus the inbox's predefined ones, once each.
      const tags = await Tag.query().orderBy('id')
      assert.deepEqual(
        tags.map((tag) => [tag.name, tag.isPredefined]),
        [
          ['Lead', false],
          ['Customer', false],
          ['VIP', true],
          ['Support', true],
          ['Sales', true],
          ['Complaint', true],
          ['Follow-up', true],
        ]
      )
      const hours = await BusinessHour.query().orderBy('weekday')
      assert.deepEqual(
        hours.map((hour) => hour.weekday),
        [1, 2, 3, 4, 5]
      )
      assert.isTrue(hours.every((hour) => hour.opensAt === '09:00' && hour.closesAt === '17:00'))
    })

    const mail = await mailbox.latestFor(body.email)
    assert.exists(mail, 'a verification email was sent')
    const link = mailbox.linkIn(mail!, '/verify-email/')
    await client.get(link).redirects(0)
    const user = await User.findByOrFail('email', body.email)
    assert.isNotNull(user.emailVerifiedAt)
  })

  test('explains a taken email, a weak password and a taken slug, and creates nothing', async ({
    client,
    assert,
  }) => {
    const existing = await makeUser()
    const first = signupBody()
    await client.post('/signup').withCsrfToken().form(first).redirects(0)

    const response = await client
      .post('/signup')
      .withCsrfToken()
      .header('referer', '/signup')
      .form(
        signupBody({ email: existing.email, password: 'short', workspaceSlug: first.workspaceSlug })
      )
      .redirects(0)
    response.assertStatus(302)
    response.assertFlashMessage('errors', {
      email: ['An account with this email already exists. Log in instead.'],
      password: ['Use at least 8 characters with a letter and a digit.'],
      workspaceSlug: ['This workspace address is taken. Try another.'],
    } as any)
    const workspaces = await Workspace.query().where('slug', first.workspaceSlug)
    assert.lengthOf(workspaces, 1)
  })

  test('answers in Arabic when the visitor chose Arabic', async ({ client }) => {
    const response = await client
      .post('/signup?lang=ar')
      .withCsrfToken()
      .header('referer', '/signup')
      .form(signupBody({ workspaceSlug: 'admin' }))
      .redirects(0)
    response.assertStatus(302)
    const errors = response.flashMessages().errors as Record<string, string[]>
    if (!/[\u0600-\u06FF]/.test(errors.workspaceSlug[0])) {
      throw new Error(`Expected an Arabic message, got ${errors.workspaceSlug[0]}`)
    }
  })
})
