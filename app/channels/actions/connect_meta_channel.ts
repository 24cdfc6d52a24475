import { DateTime } from 'luxon'
import { randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import type Workspace from '#core/models/workspace'
import { channelDrivers } from '#channels/registry'
import type { HealthResult } from '#channels/driver'
import { quota } from '#core/services/quota'
import { audit } from '#core/services/audit'
import { newWebhookKey } from '#channels/provisioning'
import { fieldError } from '#core/validators/field_error'

/**
 * Asks Graph about the number with these credentials (the "Test
 * connection" button, and the check before saving or rotating a token).
 */
export function testMetaConnection(input: { phoneNumberId: string; accessToken: string }) {
  return channelDrivers.get('meta_cloud').health({
    phoneNumberId: input.phoneNumberId,
    wabaId: null,
    accessToken: input.accessToken,
    appSecret: null,
    extra: {},
  })
}

export async function connectMetaChannel(
  workspace: Workspace,
  input: {
    name: string
    phoneNumberId: string
    wabaId: string
    accessToken: string
    appSecret?: string
  }
): Promise<{ channel: Channel; health: HealthResult }> {
  // One channel per Meta number across the platform (webhooks route by it):
  // only existence is read, nothing of the other workspace.
  const taken = await db.from('channels').where('phone_number_id', input.phoneNumberId).first()
  if (taken) fieldError('phoneNumberId', 'channel_taken')
  await quota.assertWithinLimit(workspace, 'channels', 1)

  const health = await testMetaConnection(input)
  if (health.status === 'disconnected')
    fieldError('accessToken', 'channel_unreachable', { reason: health.error ?? '' })

  const channel = await Channel.create({
    driver: 'meta_cloud',
    name: input.name,
    phoneNumberId: input.phoneNumberId,
    wabaId: input.wabaId,
    accessToken: input.accessToken,
    appSecret: input.appSecret ?? null,
    verifyToken: input.appSecret ? randomBytes(12).toString('hex') : null,
    webhookKey: newWebhookKey(),
    displayPhoneNumber: health.displayPhoneNumber ?? null,
    qualityRating: health.qualityRating ?? null,
    messagingLimit: health.messagingLimit ?? null,
    status: health.status,
    lastHealthCheckAt: DateTime.now(),
    lastError: health.error ?? null,
    settings: {},
  })
  await audit({
    action: 'channel.connected',
    workspaceId: workspace.id,
    target: { type: 'channel', id: channel.publicId },
    after: { name: channel.name, phoneNumberId: channel.phoneNumberId, ownApp: !!input.appSecret },
  })
  return { channel, health }
}

/**
 * Replaces the access token after checking it works. Audited; the token
 * itself is never written to the log or the audit row.
 */
export async function rotateChannelToken(
  workspace: Workspace,
  channel: Channel,
  accessToken: string
) {
  const health = await testMetaConnection({
    phoneNumberId: channel.phoneNumberId ?? '',
    accessToken,
  })
  if (health.status === 'disconnected')
    fieldError('accessToken', 'channel_unreachable', { reason: health.error ?? '' })
  channel.merge({
    accessToken,
    status: health.status,
    lastHealthCheckAt: DateTime.now(),
    lastError: health.error ?? null,
  })
  await channel.save()
  await audit({
    action: 'channel.token_rotated',
    workspaceId: workspace.id,
    target: { type: 'channel', id: channel.publicId },
    after: { status: health.status },
  })
  return health
}
