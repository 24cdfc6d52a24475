import { DateTime } from 'luxon'
import type { PluginContext } from '#sdk/index'

/**
 * WhatsApp identifiers. A person reaches a QR number either as a phone
 * JID (`15551234567@s.whatsapp.net`) or as a LID (`123456789@lid`, a
 * privacy id WhatsApp uses more and more). The plugin learns LID → phone
 * pairs (phone-number shares, contact syncs, messages that carry both)
 * in `qr_baileys_lids` and hands the inbox both identifiers: the phone
 * as `waId` and the LID as `lid` (stored in `contacts.lid`, SDK 1.2), so
 * one person stays one contact.
 */
const now = () => DateTime.utc().toFormat('yyyy-MM-dd HH:mm:ss')

/** The user part of a JID without device suffix: "1555@s.whatsapp.net:3" → "1555". */
export function jidUser(jid: string | null | undefined): string | null {
  if (!jid) return null
  const user = jid.split('@')[0]?.split(':')[0] ?? ''
  return user || null
}

export const isLidJid = (jid: string | null | undefined) => Boolean(jid?.endsWith('@lid'))
export const isPhoneJid = (jid: string | null | undefined) =>
  Boolean(jid?.endsWith('@s.whatsapp.net') || jid?.endsWith('@c.us'))

/** Groups, broadcasts, status and newsletters are not 1:1 conversations. */
export function isPersonJid(jid: string | null | undefined) {
  return isLidJid(jid) || isPhoneJid(jid)
}

/** '+1 (555) 000-1234' → '15550001234' (E.164 digits), or null. */
export function phoneDigits(value: string | null | undefined): string | null {
  const digits = String(value ?? '').replace(/[^\d]/g, '')
  return digits.length >= 6 && digits.length <= 15 ? digits : null
}

export const phoneJid = (digits: string) => `${digits}@s.whatsapp.net`

export async function rememberLid(
  ctx: PluginContext,
  workspaceId: number,
  lid: string,
  phone: string
) {
  await ctx.tenant.run(workspaceId, async () => {
    const updated = await ctx.db
      .tenant('qr_baileys_lids')
      .where('lid', lid)
      .update({ phone, updated_at: now() })
    if (Number(updated) > 0) return
    try {
      await ctx.db
        .table('qr_baileys_lids')
        .insert({ workspace_id: workspaceId, lid, phone, updated_at: now() })
    } catch {
      // Another process stored the same pair first.
    }
  })
}

export async function phoneForLid(ctx: PluginContext, workspaceId: number, lid: string) {
  const row = await ctx.tenant.run(workspaceId, () =>
    ctx.db.tenant('qr_baileys_lids').where('lid', lid).select('phone').first()
  )
  return (row?.phone as string | undefined) ?? null
}

export async function lidForPhone(ctx: PluginContext, workspaceId: number, phone: string) {
  const row = await ctx.tenant.run(workspaceId, () =>
    ctx.db
      .tenant('qr_baileys_lids')
      .where('phone', phone)
      .orderBy('id', 'desc')
      .select('lid')
      .first()
  )
  return (row?.lid as string | undefined) ?? null
}

/** Learn from a pair of JIDs of which one is a LID and the other a phone JID. */
export async function learnPair(
  ctx: PluginContext,
  workspaceId: number,
  a: string | null | undefined,
  b: string | null | undefined
) {
  const lid = isLidJid(a) ? a : isLidJid(b) ? b : null
  const phone = isPhoneJid(a) ? a : isPhoneJid(b) ? b : null
  const lidUser = jidUser(lid)
  const phoneUser = phoneDigits(jidUser(phone))
  if (lidUser && phoneUser) await rememberLid(ctx, workspaceId, lidUser, phoneUser)
}

/**
 * Both identities of the sender of a 1:1 message: `remoteJid` plus the
 * alternate id newer servers attach (`senderPn`, `remoteJidAlt`...).
 */
export async function resolveSender(
  ctx: PluginContext,
  workspaceId: number,
  key: Record<string, any>
): Promise<{ phone: string | null; lid: string | null }> {
  const jid: string = key.remoteJid
  const alternate: string | undefined = key.senderPn ?? key.remoteJidAlt ?? key.senderLid
  if (alternate) await learnPair(ctx, workspaceId, jid, alternate)
  if (isLidJid(jid)) {
    const lid = jidUser(jid)!
    const phone = isPhoneJid(alternate)
      ? phoneDigits(jidUser(alternate))
      : await phoneForLid(ctx, workspaceId, lid)
    return { phone, lid }
  }
  const phone = phoneDigits(jidUser(jid))
  const lid = isLidJid(alternate)
    ? jidUser(alternate)
    : phone
      ? await lidForPhone(ctx, workspaceId, phone)
      : null
  return { phone, lid }
}
