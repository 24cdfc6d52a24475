import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import Notification from '#core/models/notification'
import { channelDrivers } from '#channels/registry'
import { workspaceAdmins } from '#core/queries/workspace_admins'
import { tenancy } from '#core/tenancy/context'
import { audit } from '#core/services/audit'
import { queue } from '#core/queue/main'

export const HEALTH_SWEEP_EVERY_MS = 5 * 60 * 1000

/**
 * `channels.health_sweep` (recurring platform job, every
 * HEALTH_SWEEP_EVERY_MS; see start/jobs.ts): queues one health check per
 * connected or degraded channel, each in its own tenant context. Reads
 * only channel and workspace ids.
 */
export async function channelHealthSweep() {
  const rows = await db
    .from('channels')
    .select('id', 'workspace_id')
    .whereNot('driver', 'sandbox')
    .whereIn('status', ['connected', 'degraded'])
  for (const row of rows) {
    await queue().dispatch(
      'channels.health_check',
      { channelId: Number(row.id) },
      { workspaceId: Number(row.workspace_id), uniqueKey: `health:${row.id}`, attempts: 2 }
    )
  }
}

/**
 * `channels.health_check`: asks the driver, records the result, and when
 * the status changes audits it and tells the workspace admins.
 */
export async function channelHealthCheck(payload: { channelId: number }) {
  const channel = await Channel.find(payload.channelId)
  if (!channel) return
  const result = await channelDrivers.get(channel.driver).health(channel.credentials())
  const previous = channel.status
  channel.merge({
    status: result.status,
    qualityRating: result.qualityRating ?? channel.qualityRating,
    messagingLimit: result.messagingLimit ?? channel.messagingLimit,
    displayPhoneNumber: result.displayPhoneNumber ?? channel.displayPhoneNumber,
    lastHealthCheckAt: DateTime.now(),
    lastError: result.error ?? null,
  })
  await channel.save()
  if (previous === result.status) return

  const workspaceId = tenancy.workspaceId()
  await audit({
    action: 'channel.status_changed',
    workspaceId,
    actorId: null,
    target: { type: 'channel', id: channel.publicId },
    before: { status: previous },
    after: { status: result.status, error: result.error ?? null },
  })
  if (result.status === 'connected') return
  const admins = await workspaceAdmins()
  await Notification.createMany(
    admins.map((userId) => ({
      userId,
      type: 'channel.status_changed',
      data: { channel: channel.name, status: result.status, error: result.error ?? '' },
    }))
  )
}
