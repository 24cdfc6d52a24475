import { test } from '@japa/runner'
import Contact from '#contacts/models/contact'
import ContactTag from '#contacts/models/contact_tag'
import CustomField from '#contacts/models/custom_field'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import AuditLog from '#core/models/audit_log'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { writeFieldValues } from '#contacts/services/custom_fields'
import { addMember, makeUser, makeWorkspace } from '#tests/helpers/fixtures'

/** Three VIP contacts, two of them with score > 10, one other contact. */
async function seed(workspace: Workspace) {
  return tenancy.run(workspace.id, async () => {
    const vip = await Tag.create({ name: 'Gold', color: 'amber', isPredefined: false })
    const score = await CustomField.create({
      key: 'score',
      label: 'Score',
      type: 'number',
      options: [],
      required: false,
      position: 0,
    })
    const people = []
    for (const [index, name] of ['Asha', 'Bilal', 'Chen', 'Dina'].entries()) {
      const contact = await Contact.create({
        phone: `+9195${index}0000000`,
        name,
        source: 'manual',
      })
      people.push(contact)
      if (index < 3) await ContactTag.create({ contactId: contact.id, tagId: vip.id })
      await writeFieldValues([{ contactId: contact.id, field: score, value: index * 8 }])
    }
    return { people }
  })
}

const goldOrHighScore = {
  type: 'group',
  match: 'any',
  conditions: [
    { type: 'group', match: 'all', conditions: [{ type: 'tag', op: 'has', tag: 'gold' }] },
    {
      type: 'group',
      match: 'all',
      conditions: [{ type: 'custom_field', key: 'score', op: 'gt', value: 10 }],
    },
  ],
}

test.group('Segments API', () => {
  test('live count with a sample, then save, rename, members and delete', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await seed(workspace)
    const base = `/w/${workspace.slug}/contacts/segments`

    const onlyGold = await client
      .post(`${base}/count`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ definition: goldOrHighScore.conditions[0] })
    onlyGold.assertStatus(200)
    assert.equal(onlyGold.body().count, 3)

    const counted = await client
      .post(`${base}/count`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ definition: goldOrHighScore })
    counted.assertStatus(200)
    // Asha, Bilal, Chen (gold) + Dina (score 24).
    assert.equal(counted.body().count, 4)
    assert.deepEqual(
      counted.body().sample.map((member: { name: string }) => member.name),
      ['Dina', 'Chen', 'Bilal', 'Asha']
    )

    const created = await client
      .post(base)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Gold or high score', definition: goldOrHighScore })
    created.assertStatus(201)
    const id = created.body().id as string
    assert.equal(created.body().lastCount, 4)

    const taken = await client
      .post(base)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Gold or high score', definition: goldOrHighScore })
    taken.assertStatus(422)
    assert.equal(taken.body().errors[0].field, 'name')

    const renamed = await client
      .put(`${base}/${id}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({
        name: 'Gold only',
        definition: { type: 'group', match: 'all', conditions: [goldOrHighScore.conditions[0]] },
      })
    renamed.assertStatus(200)
    const stored = await tenancy.run(workspace.id, () => Segment.findByOrFail('public_id', id))
    assert.equal(stored.name, 'Gold only')
    assert.equal(stored.lastCount, 3)

    const members = await client
      .get(`${base}/${id}/members`)
      .loginAs(owner)
      .header('accept', 'application/json')
    members.assertStatus(200)
    assert.equal(members.body().count, 3)
    assert.lengthOf(members.body().sample, 3)

    const page = await client.get(base).loginAs(owner).withInertia()
    page.assertStatus(200)
    page.assertInertiaComponent('contacts/segments/index')
    assert.deepEqual(
      page.inertiaProps.segments.map((row: { name: string; lastCount: number }) => [
        row.name,
        row.lastCount,
      ]),
      [['Gold only', 3]]
    )

    const editor = await client.get(`${base}/${id}`).loginAs(owner).withInertia()
    editor.assertInertiaComponent('contacts/segments/edit')
    assert.equal(editor.inertiaProps.segment.name, 'Gold only')
    assert.include(
      editor.inertiaProps.catalog.customFields.map((field: { key: string }) => field.key),
      'score'
    )
    assert.include(
      editor.inertiaProps.catalog.tags.map((tag: { name: string }) => tag.name),
      'Gold'
    )
    const blank = await client.get(`${base}/new`).loginAs(owner).withInertia()
    blank.assertInertiaComponent('contacts/segments/edit')
    assert.isNull(blank.inertiaProps.segment)

    const deleted = await client
      .delete(`${base}/${id}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    deleted.assertStatus(204)
    assert.isNull(await tenancy.run(workspace.id, () => Segment.findBy('public_id', id)))
    const actions = await AuditLog.query()
      .where('workspace_id', workspace.id)
      .where('target_id', id)
      .orderBy('id')
    assert.deepEqual(
      actions.map((entry) => entry.action),
      ['segment.created', 'segment.updated', 'segment.deleted']
    )
  })

  test('invalid definitions answer 422 with paths; a self reference is a cycle', async ({
    client,
    assert,
  }) => {
    const { workspace, owner } = await makeWorkspace()
    await seed(workspace)
    const base = `/w/${workspace.slug}/contacts/segments`
    const bad = await client
      .post(`${base}/count`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({
        definition: {
          type: 'group',
          match: 'any',
          conditions: [
            { type: 'tag', op: 'has', tag: 'gold' },
            {
              type: 'group',
              match: 'all',
              conditions: [{ type: 'custom_field', key: 'score', op: 'gt', value: 'ten' }],
            },
            { type: 'tag', op: 'has', tag: 'Platinum' },
          ],
        },
      })
    bad.assertStatus(422)
    assert.deepEqual(bad.body().errors, [
      { path: 'conditions[1].conditions[0].value', message: 'Score must be a number' },
      { path: 'conditions[2].tag', message: 'Unknown tag "Platinum"' },
    ])

    const first = await client
      .post(base)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'First', definition: { type: 'group', match: 'all', conditions: [] } })
    first.assertStatus(201)
    const firstId = first.body().id
    const second = await client
      .post(base)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({
        name: 'Second',
        definition: {
          type: 'group',
          match: 'all',
          conditions: [{ type: 'segment', segment: firstId }],
        },
      })
    second.assertStatus(201)
    const cycle = await client
      .put(`${base}/${firstId}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({
        name: 'First',
        definition: {
          type: 'group',
          match: 'all',
          conditions: [{ type: 'segment', segment: second.body().id }],
        },
      })
    cycle.assertStatus(422)
    assert.equal(cycle.body().errors[0].path, 'conditions[0].segment')

    // A segment another one uses cannot be deleted.
    const inUse = await client
      .delete(`${base}/${firstId}`)
      .loginAs(owner)
      .withCsrfToken()
      .header('accept', 'application/json')
    inUse.assertStatus(409)
    assert.include(inUse.body().errors[0].message, 'Second')
  })

  test('agents count but cannot save; other workspaces see 404', async ({ client, assert }) => {
    const { workspace, owner } = await makeWorkspace()
    await seed(workspace)
    const agent = await makeUser()
    await addMember(workspace, agent, 'agent')
    const base = `/w/${workspace.slug}/contacts/segments`
    const counted = await client
      .post(`${base}/count`)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ definition: goldOrHighScore })
    counted.assertStatus(200)
    const refused = await client
      .post(base)
      .loginAs(agent)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ name: 'Nope', definition: goldOrHighScore })
    refused.assertStatus(403)

    const segment = await tenancy.run(workspace.id, () =>
      Segment.create({ name: 'Mine', definition: goldOrHighScore as never, createdBy: owner.id })
    )
    const { workspace: other, owner: stranger } = await makeWorkspace()
    const otherBase = `/w/${other.slug}/contacts/segments`
    const peek = await client
      .get(`${otherBase}/${segment.publicId}/members`)
      .loginAs(stranger)
      .header('accept', 'application/json')
    peek.assertStatus(404)
    // The other workspace's count never includes these contacts (its tag is unknown there).
    const foreign = await client
      .post(`${otherBase}/count`)
      .loginAs(stranger)
      .withCsrfToken()
      .header('accept', 'application/json')
      .json({ definition: { type: 'group', match: 'all', conditions: [] } })
    foreign.assertStatus(200)
    assert.equal(foreign.body().count, 0)
  })
})
