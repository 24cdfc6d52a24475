import { ulid } from 'ulidx'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import { circuitBreaker } from '#channels/circuit_breaker'
import { channelPacer } from '#channels/pacer'
import Campaign, { EMPTY_AUDIENCE } from '#campaigns/models/campaign'
import CampaignVariant from '#campaigns/models/campaign_variant'
import MessageTemplate from '#templates/models/message_template'
import { tenancy } from '#core/tenancy/context'
import { newWebhookKey } from '#channels/provisioning'
import { sqlDateTime } from '#core/helpers/sql_time'
import { makeWorkspace, unique } from '#tests/helpers/fixtures'
import type Workspace from '#core/models/workspace'
import type User from '#core/models/user'

/**
 * Fixtures for the campaign dispatcher's tests: a workspace with a
 * meta_cloud channel on a simulated number, an APPROVED template, and a
 * `running` campaign with one variant and `recipients` contacts inserted
 * in bulk (the shape helper C's audience preparation leaves behind).
 */

export const SIM_TOKEN = 'sim-token-0123456789abcdef'

/** The simulator's port: the one META_GRAPH_URL points at. */
export function simulatorPort(): number {
  return Number(new URL(process.env.META_GRAPH_URL ?? 'http://127.0.0.1:3399').port)
}

export type DispatchFixture = {
  workspace: Workspace
  owner: User
  channel: Channel
  template: MessageTemplate
  campaign: Campaign
  variant: CampaignVariant
  contactIds: number[]
  /** wa_id per contact id. */
  waIds: Map<number, string>
}

let phoneSeq = 0

export async function makeChannel(
  workspace: Workspace,
  options: { phoneNumberId: string; wabaId: string; mps?: number; messagingLimit?: string | null }
) {
  const channel = await tenancy.run(workspace.id, () =>
    Channel.create({
      driver: 'meta_cloud',
      name: unique('Campaign line'),
      phoneNumberId: options.phoneNumberId,
      wabaId: options.wabaId,
      accessToken: SIM_TOKEN,
      webhookKey: newWebhookKey(),
      status: 'connected',
      settings: options.mps ? { mps: options.mps } : {},
      messagingLimit:
        options.messagingLimit === undefined ? 'TIER_UNLIMITED' : options.messagingLimit,
    })
  )
  // Channel ids repeat across runs on a fresh database, while breaker and
  // pacer state in Redis outlive it: start from a clean slate.
  await circuitBreaker.store.reset(String(channel.id))
  await channelPacer.reset(channel.id)
  return channel
}

/** Inserts `count` contacts and their pending recipient rows. */
export async function addRecipients(
  campaign: Campaign,
  variantId: number | null,
  count: number,
  prefix = '1555'
): Promise<{ contactIds: number[]; waIds: Map<number, string> }> {
  const now = sqlDateTime()
  const base = `${prefix}${String(process.pid % 1000).padStart(3, '0')}${String(++phoneSeq).padStart(2, '0')}`
  const contacts = Array.from({ length: count }, (_, i) => {
    const waId = `${base}${String(i).padStart(6, '0')}`
    return {
      public_id: ulid(),
      workspace_id: campaign.workspaceId,
      wa_id: waId,
      phone: `+${waId}`,
      name: `Customer ${i}`,
      created_at: now,
      updated_at: now,
    }
  })
  for (let i = 0; i < contacts.length; i += 500) {
    await db.table('contacts').multiInsert(contacts.slice(i, i + 500))
  }
  const rows = await db
    .from('contacts')
    .where('workspace_id', campaign.workspaceId)
    .whereIn(
      'wa_id',
      contacts.map((contact) => contact.wa_id)
    )
    .select('id', 'wa_id')
  const waIds = new Map(rows.map((row) => [Number(row.id), String(row.wa_id)]))
  const contactIds = [...waIds.keys()].sort((a, b) => a - b)
  const recipients = contactIds.map((contactId) => ({
    workspace_id: campaign.workspaceId,
    campaign_id: campaign.id,
    contact_id: contactId,
    variant_id: variantId,
    phase: 'all',
    status: 'pending',
    attempts: 0,
  }))
  for (let i = 0; i < recipients.length; i += 500) {
    await db.table('campaign_recipients').multiInsert(recipients.slice(i, i + 500))
  }
  await db
    .from('campaigns')
    .where('id', campaign.id)
    .update({ total_count: db.knexRawQuery('total_count + ?', [count]) })
  return { contactIds, waIds }
}

export async function makeDispatchFixture(options: {
  phoneNumberId: string
  wabaId: string
  recipients: number
  mps?: number
  messagingLimit?: string | null
  status?: Campaign['status']
}): Promise<DispatchFixture> {
  const { workspace, owner } = await makeWorkspace()
  const channel = await makeChannel(workspace, options)
  return tenancy.run(workspace.id, async () => {
    const template = await MessageTemplate.create({
      channelId: channel.id,
      wabaId: options.wabaId,
      name: unique('promo')
        .replace(/[^a-z0-9_]/gi, '_')
        .toLowerCase(),
      language: 'en',
      category: 'MARKETING',
      parameterFormat: 'positional',
      components: [{ type: 'BODY', text: 'Hi {{1}}, our sale starts today.' }],
      status: 'APPROVED',
    })
    const campaign = await Campaign.create({
      name: unique('Sale'),
      channelId: channel.id,
      status: options.status ?? 'running',
      audience: EMPTY_AUDIENCE,
      createdBy: owner.id,
      replyWindowHours: 72,
      localTime: false,
      totalCount: 0,
    })
    const variant = await CampaignVariant.create({
      campaignId: campaign.id,
      label: 'A',
      templateId: template.id,
      variables: { 'body.1': { source: 'field', key: 'first_name', fallback: 'there' } },
      splitPercent: 100,
    })
    const { contactIds, waIds } = await addRecipients(campaign, variant.id, options.recipients)
    await campaign.refresh()
    return { workspace, owner, channel, template, campaign, variant, contactIds, waIds }
  })
}

/** Recipient rows of a campaign (status, error, wamid…), ordered by id. */
export async function recipientsOf(campaign: Campaign) {
  return db
    .from('campaign_recipients')
    .where('campaign_id', campaign.id)
    .orderBy('id')
    .select(
      'id',
      'contact_id',
      'status',
      'attempts',
      'wamid',
      'error_code',
      'error_reason',
      'due_at',
      'sent_at',
      'delivered_at',
      'read_at',
      'replied_at'
    )
}

/** Counts per status. */
export async function statusCounts(campaign: Campaign): Promise<Record<string, number>> {
  const rows = await db
    .from('campaign_recipients')
    .where('campaign_id', campaign.id)
    .groupBy('status')
    .select('status')
    .count('* as n')
  return Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]))
}
