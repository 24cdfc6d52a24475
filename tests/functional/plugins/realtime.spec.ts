import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import transmit from '@adonisjs/transmit/services/main'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { broadcast, workspaceChannel } from '#core/realtime'

/**
 * Transmit channels `workspaces/<public id>/...` are for that workspace's
 * members only.
 */
test.group('Realtime channels', () => {
  function subscribe(client: any, user: any, channel: string) {
    return client.post('/__transmit/subscribe').loginAs(user).json({ uid: randomUUID(), channel })
  }

  test('a member subscribes to the workspace channels; another tenant and a guest cannot', async ({
    client,
  }) => {
    const a = await makeWorkspace()
    const b = await makeWorkspace()
    const base = `workspaces/${a.workspace.publicId}`

    ;(await subscribe(client, a.owner, base)).assertStatus(204)
    ;(await subscribe(client, a.owner, `${base}/hello`)).assertStatus(204)
    ;(await subscribe(client, a.owner, `${base}/conversations/42`)).assertStatus(204)

    ;(await subscribe(client, b.owner, base)).assertStatus(400)
    ;(await subscribe(client, b.owner, `${base}/hello`)).assertStatus(400)
    ;(await subscribe(client, b.owner, `${base}/conversations/42`)).assertStatus(400)

    const guest = await client
      .post('/__transmit/subscribe')
      .json({ uid: randomUUID(), channel: `${base}/hello` })
    guest.assertStatus(400)
  })

  test('broadcast() publishes on the workspace channel', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    const seen: { channel: string; payload: unknown }[] = []
    const off = transmit.on('broadcast', (event) => void seen.push(event))
    try {
      await broadcast(workspace.id, '/hello/', { ok: true })
    } finally {
      off()
    }
    const channel = await workspaceChannel(workspace.id, 'hello')
    assert.equal(channel, `workspaces/${workspace.publicId}/hello`)
    assert.deepEqual(seen, [{ channel, payload: { ok: true } }])
  })
})
