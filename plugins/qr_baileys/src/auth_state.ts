import { DateTime } from 'luxon'
import type { PluginContext } from '#sdk/index'
import { baileys } from './socket.js'

/**
 * Baileys auth state kept in `qr_baileys_auth`, one row per item (the
 * creds, and each signal key by category and id), every value encrypted
 * with APP_KEY under a purpose bound to the channel, so a row copied to
 * another channel does not decrypt. Replaces useMultiFileAuthState (files
 * on one disk) so that any worker can take the session over.
 */
export type ChannelRef = { id: number; workspaceId: number; publicId: string }

const now = () => DateTime.utc().toFormat('yyyy-MM-dd HH:mm:ss')

export async function loadAuthState(ctx: PluginContext, channel: ChannelRef) {
  const lib = await baileys()
  const purpose = `qr_baileys:auth:${channel.id}`
  const encode = (value: unknown) =>
    ctx.encryption.encrypt(JSON.stringify(value, lib.BufferJSON.replacer), purpose)
  const decode = (value: string) => {
    const text = ctx.encryption.decrypt<string>(value, purpose)
    return text === null ? null : JSON.parse(text, lib.BufferJSON.reviver)
  }
  const inTenant = <T>(callback: () => Promise<T>) => ctx.tenant.run(channel.workspaceId, callback)
  const rows = () => ctx.db.tenant('qr_baileys_auth').where('channel_id', channel.id)

  async function write(category: string, itemId: string, value: unknown) {
    const encoded = encode(value)
    const updated = await rows()
      .where('category', category)
      .where('item_id', itemId)
      .update({ value: encoded, updated_at: now() })
    if (Number(updated) > 0) return
    await ctx.db.table('qr_baileys_auth').insert({
      workspace_id: channel.workspaceId,
      channel_id: channel.id,
      category,
      item_id: itemId,
      value: encoded,
      updated_at: now(),
    })
  }

  const stored = await inTenant(() =>
    rows().where('category', 'creds').where('item_id', 'creds').first()
  )
  const creds = (stored && decode(stored.value)) ?? lib.initAuthCreds()

  const keys = {
    async get(type: string, ids: string[]) {
      const found = await inTenant(() =>
        rows().where('category', type).whereIn('item_id', ids).select('item_id', 'value')
      )
      const result: Record<string, unknown> = {}
      for (const row of found) {
        let value = decode(row.value)
        if (value && type === 'app-state-sync-key') {
          value = lib.proto.Message.AppStateSyncKeyData.fromObject(value)
        }
        if (value) result[row.item_id] = value
      }
      return result
    },
    async set(data: Record<string, Record<string, unknown | null>>) {
      await inTenant(async () => {
        for (const [category, items] of Object.entries(data)) {
          for (const [itemId, value] of Object.entries(items ?? {})) {
            if (value === null || value === undefined) {
              await rows().where('category', category).where('item_id', itemId).delete()
            } else {
              await write(category, itemId, value)
            }
          }
        }
      })
    },
  }

  return {
    state: { creds, keys },
    saveCreds: () => inTenant(() => write('creds', 'creds', creds)),
  }
}

/** A logged-out session's keys are useless: drop them. */
export async function clearAuthState(ctx: PluginContext, channel: ChannelRef) {
  await ctx.tenant.run(channel.workspaceId, () =>
    ctx.db.tenant('qr_baileys_auth').where('channel_id', channel.id).delete()
  )
}
