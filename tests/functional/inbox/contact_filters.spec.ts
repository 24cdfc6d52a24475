import { test } from '@japa/runner'
import type { ApiClient } from '@japa/api-client'
import Contact from '#contacts/models/contact'
import CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import Conversation from '#inbox/models/conversation'
import type User from '#core/models/user'
import { writeFieldValues } from '#contacts/services/custom_fields'
import { tenancy } from '#core/tenancy/context'
import { makeWorkspace } from '#tests/helpers/fixtures'
import { inbound } from '#tests/helpers/inbox'

/**
 * The inbox list filtered by the contact: a saved contact segment
 * (`segment=<public id>`) and the contact's language (`contactLocale`),
 * both compiled by the contacts segment engine and combined with the
 * other list filters, the cursor and saved filters.
 */

const get = (client: ApiClient, user: User, url: string) =>
  client.get(url).loginAs(user).header('accept', 'application/json')

const ids = (response: any): string[] => response.body().items.map((item: any) => item.id)

/**
 * Three conversations (oldest first): Alice (plan Pro, fr), Bob (plan Pro,
 * en, resolved), Carla (plan Free, fr); a saved segment "Pro customers"
 * (custom field plan = Pro).
 */
async function scene() {
  const { workspace, owner } = await makeWorkspace()
  const make = async (index: number, name: string) =>
    (await inbound(workspace, { waId: `1555040000${index}`, name, text: `Hello ${index}` }))
      .conversation
  const alice = await make(1, 'Alice Martin')
  const bob = await make(2, 'Bob Stone')
  const carla = await make(3, 'Carla Diaz')
  const segment = await tenancy.run(workspace.id, async () => {
    const plan = await CustomField.create({
      key: 'plan',
      label: 'Plan',
      type: 'dropdown',
      options: ['Free', 'Pro'],
      required: false,
      position: 0,
    })
    const setContact = async (conversation: Conversation, locale: string, value: string) => {
      const contact = await Contact.findOrFail(conversation.contactId)
      contact.locale = locale
      await contact.save()
      await writeFieldValues([{ contactId: contact.id, field: plan, value }])
    }
    await setContact(alice, 'fr', 'Pro')
    await setContact(bob, 'en', 'Pro')
    await setContact(carla, 'fr', 'Free')
    const resolved = await Conversation.findOrFail(bob.id)
    resolved.status = 'resolved'
    await resolved.save()
    return Segment.create({
      name: 'Pro customers',
      definition: {
        type: 'group',
        match: 'all',
        conditions: [{ type: 'custom_field', key: 'plan', op: 'eq', value: 'Pro' }],
      },
    })
  })
  const list = (query: string) => `/w/${workspace.slug}/inbox/conversations?view=all&${query}`
  return { workspace, owner, alice, bob, carla, segment, list }
}

test.group('Inbox list: contact segment and language filters', () => {
  test('a segment on a custom field lists only its contacts’ conversations, with the status filter', async ({
    client,
    assert,
  }) => {
    const { owner, alice, bob, carla, segment, list } = await scene()

    const any = await get(client, owner, list(`status=any&segment=${segment.publicId}`))
    any.assertStatus(200)
    assert.deepEqual(ids(any), [bob.publicId, alice.publicId])
    assert.notInclude(ids(any), carla.publicId)

    const open = await get(client, owner, list(`status=open&segment=${segment.publicId}`))
    assert.deepEqual(ids(open), [alice.publicId])
    const resolved = await get(client, owner, list(`status=resolved&segment=${segment.publicId}`))
    assert.deepEqual(ids(resolved), [bob.publicId])

    // The keyset cursor keeps the filter: one per page, then the end.
    const first = await get(client, owner, list(`status=any&limit=1&segment=${segment.publicId}`))
    assert.deepEqual(ids(first), [bob.publicId])
    const cursor = first.body().nextCursor
    assert.isString(cursor)
    const second = await get(
      client,
      owner,
      list(`status=any&limit=1&segment=${segment.publicId}&cursor=${cursor}`)
    )
    assert.deepEqual(ids(second), [alice.publicId])
    assert.isNull(second.body().nextCursor)
  })

  test('the contact language filter, alone and combined with a segment', async ({
    client,
    assert,
  }) => {
    const { owner, alice, carla, segment, list } = await scene()

    const fr = await get(client, owner, list('status=any&contactLocale=FR'))
    fr.assertStatus(200)
    assert.deepEqual(ids(fr), [carla.publicId, alice.publicId])

    const both = await get(
      client,
      owner,
      list(`status=any&contactLocale=fr&segment=${segment.publicId}`)
    )
    assert.deepEqual(ids(both), [alice.publicId])

    const none = await get(client, owner, list('status=any&contactLocale=de'))
    assert.deepEqual(ids(none), [])
  })

  test('another workspace’s segment or an unknown one answers 422, not a 500', async ({
    client,
    assert,
  }) => {
    const { owner, list } = await scene()
    const other = await makeWorkspace()
    const foreign = await tenancy.run(other.workspace.id, () =>
      Segment.create({
        name: 'Theirs',
        definition: {
          type: 'group',
          match: 'all',
          conditions: [{ type: 'field', field: 'locale', op: 'eq', value: 'fr' }],
        },
      })
    )

    for (const id of [foreign.publicId, 'nope']) {
      const response = await get(client, owner, list(`status=any&segment=${id}`))
      response.assertStatus(422)
      const [error] = response.body().errors
      assert.equal(error.code, 'E_INVALID_SEGMENT_FILTER')
      assert.equal(error.field, 'segment')
      assert.match(error.message, /segment/i)
    }
  })

  test('a saved filter keeps the segment and the language, and lists the same conversations', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, alice, segment, list } = await scene()
    const created = await client
      .post(`/w/${workspace.slug}/inbox/filters`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({
        name: 'French Pro',
        filters: { status: 'any', segment: segment.publicId, contactLocale: 'fr' },
      })
    created.assertStatus(201)
    assert.equal(created.body().filters.segment, segment.publicId)
    assert.equal(created.body().filters.contactLocale, 'fr')

    const saved = await get(client, owner, `/w/${workspace.slug}/inbox/filters`)
    const found = saved.body().find((item: any) => item.name === 'French Pro')
    assert.equal(found.filters.segment, segment.publicId)

    const query = new URLSearchParams({
      status: found.filters.status,
      segment: found.filters.segment,
      contactLocale: found.filters.contactLocale,
    })
    const response = await get(client, owner, list(query.toString()))
    assert.deepEqual(ids(response), [alice.publicId])
  })

  test('the inbox page lists the saved segments; a bad segment in the URL redirects without it', async ({
    client,
    assert,
  }) => {
    const { workspace, owner, segment } = await scene()
    const page = await client
      .get(`/w/${workspace.slug}/inbox?status=any&segment=${segment.publicId}`)
      .loginAs(owner)
      .withInertia()
    page.assertStatus(200)
    assert.deepEqual((page.inertiaProps as any).segments, [
      { id: segment.publicId, name: 'Pro customers' },
    ])
    assert.equal((page.inertiaProps as any).filters.segment, segment.publicId)
    assert.lengthOf((page.inertiaProps as any).page.items, 2)

    const bad = await client
      .get(`/w/${workspace.slug}/inbox?status=any&segment=nope`)
      .loginAs(owner)
      .withInertia()
      .redirects(0)
    bad.assertStatus(302)
    assert.equal(bad.header('location'), `/w/${workspace.slug}/inbox?status=any`)
  })
})
