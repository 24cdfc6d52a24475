import { test } from '@japa/runner'
import { createTestWorkspace } from '#sdk/testing'

test.group('Hello plugin', () => {
  test('an active workspace sees the page and adds a note', async ({ client }) => {
    const workspace = await createTestWorkspace({ plugins: ['hello'] })
    const page = await client
      .get(`/w/${workspace.slug}/p/hello`)
      .loginAs(workspace.owner)
      .withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('plugins/hello/index')

    await client
      .post(`/w/${workspace.slug}/p/hello/notes`)
      .loginAs(workspace.owner)
      .withCsrfToken()
      .form({ body: 'First note' })
      .redirects(0)
    const after = await client
      .get(`/w/${workspace.slug}/p/hello`)
      .loginAs(workspace.owner)
      .withInertia()
    after.assertInertiaPropsContains({ notes: [{ body: 'First note' }] })
  })

  test('a workspace that did not activate it gets a 404', async ({ client }) => {
    const workspace = await createTestWorkspace()
    const response = await client
      .get(`/w/${workspace.slug}/p/hello`)
      .loginAs(workspace.owner)
      .header('accept', 'application/json')
    response.assertStatus(404)
  })
})
