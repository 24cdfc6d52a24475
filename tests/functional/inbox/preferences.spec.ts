import { test } from '@japa/runner'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'

/**
 * An agent's inbox notification settings (desktop notification, sound):
 * saved per workspace membership and handed back to the inbox page.
 */
test.group('Inbox notification preferences', () => {
  test('an agent turns the sound off; the page reads it back; bad input is refused', async ({
    client,
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const agent = await makeUser({ fullName: 'Quiet Agent' })
    await addMember(workspace, agent, 'agent')

    const before = await client.get(`/w/${workspace.slug}/inbox`).loginAs(agent).withInertia()
    assert.include((before.inertiaProps as any).me, { notifyDesktop: true, notifySound: true })

    const saved = await client
      .put(`/w/${workspace.slug}/inbox/preferences`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ notifySound: false })
    saved.assertStatus(200)
    saved.assertBody({ notifyDesktop: true, notifySound: false })

    const after = await client.get(`/w/${workspace.slug}/inbox`).loginAs(agent).withInertia()
    assert.include((after.inertiaProps as any).me, { notifyDesktop: true, notifySound: false })

    const bad = await client
      .put(`/w/${workspace.slug}/inbox/preferences`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ notifySound: 'loud' })
    bad.assertStatus(422)

    // Someone without the inbox cannot have inbox settings.
    const marketer = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    const refused = await client
      .put(`/w/${workspace.slug}/inbox/preferences`)
      .loginAs(marketer)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ notifySound: false })
    refused.assertStatus(403)
  })
})
