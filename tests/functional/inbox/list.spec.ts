import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { inbound } from '#tests/helpers/inbox'

test.group('Inbox list', () => {
  test('smoke', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    await inbound(workspace, { waId: '15550001111', name: 'Alice', text: 'Hello there' })
    await inbound(workspace, {
      waId: '15550002222',
      name: 'Bob',
      text: 'Where is my order',
      at: DateTime.now().plus({ seconds: 5 }),
    })
    const response = await client
      .get(`/w/${workspace.slug}/inbox/conversations`)
      .loginAs(owner)
      .header('accept', 'application/json')
    response.assertStatus(200)
    console.log(JSON.stringify(response.body(), null, 1))
    assert.lengthOf(response.body().items, 2)
  })
})
