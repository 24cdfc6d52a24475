import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import Conversation from '#inbox/models/conversation'
import MessageTemplate from '#templates/models/message_template'
import type { TemplateCategory, TemplateComponent, TemplateStatus } from '#templates/types'
import type Workspace from '#core/models/workspace'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { createMetaSimulator, type MetaSimulator } from '#channels/simulator/index'
import { makeWorkspace } from '#tests/helpers/fixtures'

/**
 * Fixtures for the template picker and guard specs: a workspace with a
 * meta_cloud channel on a simulated number, conversations inside or
 * outside the 24-hour window, and templates stored both in Parley and in
 * the simulator (strict: it refuses unknown, paused and disabled ones as
 * Meta does).
 */

export const PICKER_SIM_TOKEN = 'sim-token-0123456789abcdef'

/** The simulator's port: the one META_GRAPH_URL points at. */
function graphPort(): number {
  return Number(new URL(process.env.META_GRAPH_URL ?? 'http://127.0.0.1:3399').port)
}

export function randomDigits(prefix: string, length = 12) {
  const digits = BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString()
    .padStart(20, '0')
  return (prefix + digits).slice(0, length)
}

export async function startPickerSimulator(numbers: { phoneNumberId: string; wabaId: string }[]) {
  const simulator = createMetaSimulator({
    port: graphPort(),
    appSecret: 'test-meta-app-secret',
    appId: 'test-app-id',
    webhookUrl: `http://127.0.0.1:${process.env.PORT}/webhooks/meta`,
    accessTokens: [PICKER_SIM_TOKEN],
    numbers: numbers.map((number) => ({
      ...number,
      displayPhoneNumber: randomDigits('1555', 11),
      verifiedName: 'Picker Shop',
      qualityRating: 'GREEN',
    })),
    strictTemplates: true,
    autoStatuses: false,
  })
  await simulator.start()
  return simulator
}

export async function pickerWorkspace(number: { phoneNumberId: string; wabaId: string }) {
  const { workspace, owner } = await makeWorkspace()
  const channel = await tenancy.run(workspace.id, () =>
    Channel.create({
      driver: 'meta_cloud',
      name: 'Picker line',
      phoneNumberId: number.phoneNumberId,
      wabaId: number.wabaId,
      accessToken: PICKER_SIM_TOKEN,
      webhookKey: newWebhookKey(),
      status: 'connected',
      settings: {},
    })
  )
  return { workspace, owner, channel }
}

/** A contact and its open conversation on `channel`; the window open or closed (25 h ago). */
export async function pickerConversation(
  workspace: Workspace,
  channel: Channel,
  options: { name?: string | null; windowOpen: boolean; email?: string | null }
) {
  return tenancy.run(workspace.id, async () => {
    const waId = randomDigits('1555', 11)
    const contact = await Contact.create({
      waId,
      phone: `+${waId}`,
      name: options.name ?? null,
      email: options.email ?? null,
      source: 'manual',
    })
    const conversation = await Conversation.create({
      contactId: contact.id,
      channelId: channel.id,
      status: 'open',
      unreadCount: 0,
      lastInboundAt: DateTime.now().minus({ hours: options.windowOpen ? 1 : 25 }),
    })
    return { contact, conversation, waId }
  })
}

/** A template in Parley (and, unless `simulator` is null, at the simulated Meta). */
export async function pickerTemplate(
  workspace: Workspace,
  channel: Channel,
  simulator: MetaSimulator | null,
  input: {
    name: string
    language?: string
    category?: TemplateCategory
    parameterFormat?: 'positional' | 'named'
    components: TemplateComponent[]
    status?: TemplateStatus
    wabaId?: string
    pausedUntil?: DateTime | null
    rejectedReason?: string | null
  }
) {
  const wabaId = input.wabaId ?? channel.wabaId!
  const template = await tenancy.run(workspace.id, () =>
    MessageTemplate.create({
      channelId: channel.id,
      wabaId,
      name: input.name,
      language: input.language ?? 'en_US',
      category: input.category ?? 'UTILITY',
      parameterFormat: input.parameterFormat ?? 'positional',
      components: input.components,
      status: input.status ?? 'APPROVED',
      pausedUntil: input.pausedUntil ?? null,
      rejectedReason: input.rejectedReason ?? null,
    })
  )
  const stored = simulator?.state.addTemplate({
    wabaId,
    name: input.name,
    language: input.language ?? 'en_US',
    category: input.category ?? 'UTILITY',
    status: input.status ?? 'APPROVED',
    components: input.components as any,
  })
  return { template, simulatorId: stored?.id ?? null }
}

/** Sets a template's status in Parley (as a status webhook would). */
export async function setTemplateStatus(
  workspace: Workspace,
  template: MessageTemplate,
  status: TemplateStatus,
  extra: { pausedUntil?: DateTime | null } = {}
) {
  await tenancy.run(workspace.id, async () => {
    const fresh = await MessageTemplate.findOrFail(template.id)
    fresh.merge({ status, pausedUntil: extra.pausedUntil ?? null })
    await fresh.save()
  })
}
