import db from '@adonisjs/lucid/services/db'
import Channel from '#channels/models/channel'
import { tenancy } from '#core/tenancy/context'

/**
 * Webhooks name their tenant by credential: Meta's phone_number_id, or
 * the random key in /webhooks/meta/:channelKey. Only the channel id and
 * workspace id are read before the tenant context is opened; the channel
 * itself is then loaded through the scoped model.
 */
async function load(row: { id: number; workspace_id: number } | undefined) {
  if (!row) return null
  const workspaceId = Number(row.workspace_id)
  const channel = await tenancy.run(workspaceId, () => Channel.find(row.id))
  return channel
}

export async function channelByPhoneNumberId(phoneNumberId: string): Promise<Channel | null> {
  return load(
    await db
      .from('channels')
      .select('id', 'workspace_id')
      .where('phone_number_id', phoneNumberId)
      .first()
  )
}

export async function channelByWebhookKey(key: string): Promise<Channel | null> {
  return load(
    await db.from('channels').select('id', 'workspace_id').where('webhook_key', key).first()
  )
}
