import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import ContactTag from '#contacts/models/contact_tag'
import Segment from '#contacts/models/segment'
import Tag from '#contacts/models/tag'
import { recordConsent } from '#contacts/services/consent'
import MessageTemplate from '#templates/models/message_template'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import type { TemplateCategory } from '#templates/types'

/** An approved template with one body variable ({{1}} = the first name). */
export async function approvedTemplate(
  workspace: Workspace,
  options: { name?: string; category?: TemplateCategory; status?: string } = {}
) {
  return tenancy.run(workspace.id, async () => {
    const channel = await Channel.query().firstOrFail()
    return MessageTemplate.create({
      channelId: channel.id,
      wabaId: channel.wabaId ?? 'sandbox-waba',
      name: options.name ?? `promo_${Math.random().toString(36).slice(2, 8)}`,
      language: 'en',
      category: options.category ?? 'MARKETING',
      parameterFormat: 'positional',
      components: [
        {
          type: 'BODY',
          text: 'Hello {{1}}, our sale starts today!',
          example: { body_text: [['Asha']] },
        },
      ],
      status: (options.status ?? 'APPROVED') as any,
      approvedEdits: [],
    })
  })
}

export async function channelOf(workspace: Workspace) {
  return tenancy.run(workspace.id, () => Channel.query().firstOrFail())
}

/**
 * `count` contacts with phones +9198700xxxxx; `optIn` of them opted in to
 * marketing; all tagged with a new tag when `tag` is given.
 */
export async function seedContacts(
  workspace: Workspace,
  count: number,
  options: { optIn?: number; tag?: string; prefix?: string; timezone?: string | null } = {}
) {
  return tenancy.run(workspace.id, async () => {
    const tag = options.tag
      ? await Tag.create({ name: options.tag, color: 'blue', isPredefined: false })
      : null
    const contacts: Contact[] = []
    for (let index = 0; index < count; index++) {
      const contact = await Contact.create({
        phone: `+91${options.prefix ?? '98700'}${String(index).padStart(5, '0')}`,
        name: `Person ${index}`,
        source: 'manual',
        timezone: options.timezone ?? null,
      })
      contacts.push(contact)
      if (tag) await ContactTag.create({ contactId: contact.id, tagId: tag.id })
      if (index < (options.optIn ?? count)) {
        await recordConsent({
          contactId: contact.id,
          event: 'opt_in',
          scope: 'marketing',
          source: 'agent',
          occurredAt: DateTime.utc().minus({ days: 1 }),
        })
      }
    }
    return { contacts, tag }
  })
}

export async function segmentOf(workspace: Workspace, name: string, tagName: string) {
  return tenancy.run(workspace.id, () =>
    Segment.create({
      name,
      definition: {
        type: 'group',
        match: 'all',
        conditions: [{ type: 'tag', op: 'has', tag: tagName.toLowerCase() }],
      } as any,
      createdBy: null,
    })
  )
}

/** A wizard payload: one variant mapping {{1}} to the first name with a fallback. */
export function draftPayload(input: {
  name?: string
  channel: string
  template: string
  segments?: string[]
  tags?: string[]
  excludeTags?: string[]
  excludeSegments?: string[]
  allContacts?: boolean
  schedule?: Record<string, unknown>
  variants?: { template: string; splitPercent: number }[]
  abTest?: Record<string, unknown> | null
  frequencyCapHours?: number | null
}) {
  const variables = { 'body.1': { source: 'field', key: 'first_name', fallback: 'friend' } }
  return {
    name: input.name ?? 'Spring sale',
    channel: input.channel,
    audience: {
      include: {
        segments: input.segments ?? [],
        tags: input.tags ?? [],
        list: false,
        allContacts: input.allContacts ?? false,
      },
      exclude: { segments: input.excludeSegments ?? [], tags: input.excludeTags ?? [] },
    },
    variants: (input.variants ?? [{ template: input.template, splitPercent: 100 }]).map(
      (variant) => ({ ...variant, variables })
    ),
    schedule: input.schedule ?? { mode: 'now' },
    frequencyCapHours: input.frequencyCapHours,
    abTest: input.abTest ?? null,
  }
}
