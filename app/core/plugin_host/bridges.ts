import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import Contact from '#contacts/models/contact'
import { recordInboundMessage } from '#inbox/actions/record_inbound_message'
import type { NormalizedMessage } from '#channels/webhooks/normalize_meta'
import { tenancy } from '#core/tenancy/context'
import Notification from '#core/models/notification'
import { workspaceAdmins } from '#core/queries/workspace_admins'
import { queue } from '#core/queue/main'
import type {
  ContactInput,
  ContactRef,
  IngestInput,
  IngestResult,
  PluginChannel,
} from '#sdk/plugin'

/**
 * The context methods that reach into domains (inbox, contacts,
 * channels). Imported lazily by #core/plugin_host/context.
 */

/**
 * Before SDK 1.2 a plugin could only give a LID as `bsuid: "lid:<id>"`.
 * A contact stored that way (and no `lid` yet) gets its `contacts.lid`
 * now, so the LID matches it from then on. Runs in the tenant context.
 */
async function adoptLegacyLid(lid: string | null | undefined) {
  if (!lid) return
  const legacy = await Contact.query().where('bsuid', `lid:${lid}`).whereNull('lid').first()
  if (!legacy || (await Contact.query().where('lid', lid).first())) return
  legacy.lid = lid
  await legacy.save()
}

/**
 * `ctx.inbox.ingest`: the same recording as a Meta webhook (contact
 * upsert, conversation reuse, dedup on the provider id, 24-hour window,
 * `inbox:message_received`), for a channel of the given workspace. A
 * message with `media` queues the same `media.download_inbound` job as
 * Meta media: the channel's driver `downloadMedia(credentials, media.id)`
 * fetches the bytes into the workspace's storage.
 */
export async function ingestInbound(input: IngestInput): Promise<IngestResult> {
  return tenancy.run(input.workspaceId, async () => {
    const channel = await Channel.findOrFail(input.channelId)
    const { message } = input
    const lid = message.from.lid ?? null
    await adoptLegacyLid(lid)
    const item: NormalizedMessage = {
      kind: 'message',
      wabaId: channel.wabaId,
      phoneNumberId: channel.phoneNumberId ?? String(channel.id),
      displayPhoneNumber: channel.displayPhoneNumber,
      contact: {
        waId: message.from.waId ?? null,
        bsuid: message.from.bsuid ?? null,
        profileName: message.from.profileName ?? null,
      },
      providerMessageId: message.providerMessageId,
      type: message.type,
      timestamp: message.timestamp ?? null,
      body: message.body ?? null,
      replyTo: message.replyTo ?? null,
      media: message.media
        ? {
            id: message.media.id,
            mimeType: message.media.mimeType ?? null,
            sha256: message.media.sha256 ?? null,
            filename: message.media.filename ?? null,
          }
        : null,
      payload: message.payload ?? {},
    }
    const result = await recordInboundMessage(channel, item, { lid })
    if (result.created && item.media) {
      await queue().dispatch(
        'media.download_inbound',
        { messageId: result.message.id, mediaId: item.media.id },
        {
          workspaceId: input.workspaceId,
          uniqueKey: `media:${result.message.id}`,
          queue: 'media',
        }
      )
    }
    return {
      created: result.created,
      messageId: result.message.id,
      conversationId: result.message.conversationId,
    }
  })
}

/**
 * `ctx.contacts.upsert`: finds the contact by BSUID, then LID, then wa_id,
 * then phone; creates it when none matches; fills empty fields.
 */
export async function upsertContact(input: ContactInput): Promise<ContactRef> {
  if (!input.waId && !input.bsuid && !input.lid && !input.phone) {
    throw new Error('contacts.upsert needs a waId, a bsuid, a lid or a phone')
  }
  return tenancy.run(input.workspaceId, async () => {
    await adoptLegacyLid(input.lid)
    const matches = await Contact.query()
      .where((where) => {
        if (input.bsuid) where.orWhere('bsuid', input.bsuid)
        if (input.lid) where.orWhere('lid', input.lid)
        if (input.waId) where.orWhere('wa_id', input.waId)
        if (input.phone) where.orWhere('phone', input.phone)
      })
      .limit(4)
    const contact =
      matches.find((candidate) => input.bsuid && candidate.bsuid === input.bsuid) ??
      matches.find((candidate) => input.lid && candidate.lid === input.lid) ??
      matches.find((candidate) => input.waId && candidate.waId === input.waId) ??
      matches[0] ??
      null
    if (!contact) {
      const created = await Contact.create({
        waId: input.waId ?? null,
        bsuid: input.bsuid ?? null,
        lid: input.lid ?? null,
        phone: input.phone ?? (input.waId ? `+${input.waId}` : null),
        name: input.name ?? null,
        profileName: input.profileName ?? null,
      })
      return { id: created.id, publicId: created.publicId, created: true }
    }
    if (input.bsuid && !contact.bsuid) contact.bsuid = input.bsuid
    if (input.lid && !contact.lid && !matches.some((other) => other.lid === input.lid)) {
      contact.lid = input.lid
    }
    if (input.waId && !contact.waId) contact.waId = input.waId
    if (input.phone && !contact.phone) contact.phone = input.phone
    if (input.name && !contact.name) contact.name = input.name
    if (input.profileName) contact.profileName = input.profileName
    await contact.save()
    return { id: contact.id, publicId: contact.publicId, created: false }
  })
}

function toPluginChannel(channel: Channel): PluginChannel {
  return {
    id: channel.id,
    publicId: channel.publicId,
    workspaceId: channel.workspaceId,
    name: channel.name,
    driver: channel.driver,
    status: channel.status,
  }
}

export async function listChannels(pluginId: string, driver: string): Promise<PluginChannel[]> {
  const channels = await tenancy.crossTenant(
    { actorId: null, reason: `plugin ${pluginId}: list ${driver} channels` },
    () => Channel.query().where('driver', driver).orderBy('id')
  )
  return channels.map(toPluginChannel)
}

export async function setChannelStatus(
  workspaceId: number,
  channelId: number,
  status: PluginChannel['status'],
  error: string | null
) {
  await tenancy.run(workspaceId, async () => {
    const channel = await Channel.findOrFail(channelId)
    channel.status = status
    channel.lastError = error
    channel.lastHealthCheckAt = DateTime.now()
    await channel.save()
  })
}

/**
 * `ctx.notifications.notifyAdmins`: one in-app notification per owner and
 * admin. The type must be one of the plugin's translation keys.
 */
export async function notifyWorkspaceAdmins(
  pluginId: string,
  workspaceId: number,
  notification: {
    type: string
    data?: Record<string, string | number | boolean | null>
    onceWithinHours?: number
  }
) {
  if (!notification.type.startsWith(`plugins.${pluginId}.`)) {
    throw new Error(
      `Plugin "${pluginId}": a notification type is one of its translation keys ("plugins.${pluginId}.…")`
    )
  }
  const data: Record<string, string | number | boolean | null> = {
    ...(notification.data ?? {}),
    plugin: pluginId,
  }
  await tenancy.run(workspaceId, async () => {
    if (notification.onceWithinHours) {
      const since = DateTime.now().minus({ hours: notification.onceWithinHours })
      const query = Notification.query()
        .where('type', notification.type)
        .where('created_at', '>=', since.toSQL({ includeOffset: false })!)
      if (typeof data.key === 'string')
        query.where('data', 'like', `%"key":${JSON.stringify(data.key)}%`)
      if (await query.first()) return
    }
    const admins = await workspaceAdmins()
    if (!admins.length) return
    await Notification.createMany(
      admins.map((userId) => ({ userId, type: notification.type, data }))
    )
  })
}
