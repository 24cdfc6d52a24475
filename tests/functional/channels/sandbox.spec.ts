import { test } from '@japa/runner'
import Message from '#inbox/models/message'
import Channel from '#channels/models/channel'
import { tenancy } from '#core/tenancy/context'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'
import { drainQueue } from '#tests/helpers/queue'

test.group('Sandbox', () => {
  test('every workspace has a sandbox; a member writes as a customer and replies as the business', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    const channel = await tenancy.run(workspace.id, () =>
      Channel.query().where('driver', 'sandbox').firstOrFail()
    )
    assert.equal(channel.status, 'connected')

    await client
      .post(`/w/${workspace.slug}/sandbox/inbound`)
      .loginAs(owner)
      .withCsrfToken()
      .form({ text: 'Do you open on Sundays?' })
      .redirects(0)
    await client
      .post(`/w/${workspace.slug}/sandbox/reply`)
      .loginAs(owner)
      .withCsrfToken()
      .form({ text: 'Yes, 10:00 to 14:00.' })
      .redirects(0)
    await drainQueue()

    const page = await client.get(`/w/${workspace.slug}/sandbox`).loginAs(owner).withInertia()
    page.assertInertiaComponent('channels/sandbox')
    const thread = (page.inertiaProps as any).thread
    assert.deepEqual(
      thread.map((message: any) => [message.direction, message.body, message.status]),
      [
        ['in', 'Do you open on Sundays?', 'received'],
        ['out', 'Yes, 10:00 to 14:00.', 'sent'],
      ]
    )
    const stored = await tenancy.run(workspace.id, () =>
      Message.query().where('direction', 'out').firstOrFail()
    )
    assert.match(stored.providerMessageId!, /^sandbox\./)
  })

  test('a role without inbox.reply can write as a customer but not reply', async ({
    client,
    assert,
  }) => {
    const { workspace } = await makeWorkspace()
    const marketer = await makeUser()
    await addMember(workspace, marketer, 'marketing')
    await client
      .post(`/w/${workspace.slug}/sandbox/inbound`)
      .loginAs(marketer)
      .withCsrfToken()
      .form({ text: 'hello' })
      .redirects(0)
    const reply = await client
      .post(`/w/${workspace.slug}/sandbox/reply`)
      .loginAs(marketer)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ text: 'no' })
    reply.assertStatus(403)
    const outbound = await tenancy.run(workspace.id, () =>
      Message.query().where('direction', 'out')
    )
    assert.lengthOf(outbound, 0)
  })
})
