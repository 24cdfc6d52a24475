import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import db from '@adonisjs/lucid/services/db'
import { storedIso } from '#core/helpers/sql_time'
import { tenancy } from '#core/tenancy/context'
import type Campaign from '#campaigns/models/campaign'

export const RECIPIENT_COLUMNS = [
  'contact_id',
  'name',
  'phone',
  'variant',
  'phase',
  'status',
  'error_code',
  'error_reason',
  'due_at',
  'sent_at',
  'delivered_at',
  'read_at',
  'replied_at',
  'failed_at',
] as const

const PAGE = 2000

/** The campaign's recipients, keyset pages on the recipient id (flat memory). */
async function* recipientRows(campaign: Campaign) {
  const workspaceId = tenancy.workspaceId()
  let afterId = 0
  while (true) {
    // Explicitly scoped: the campaign's rows and its workspace's contacts.
    const rows = await db
      .from('campaign_recipients as r')
      .join('contacts as c', (join) => {
        join.on('c.id', '=', 'r.contact_id').andOn('c.workspace_id', '=', 'r.workspace_id')
      })
      .leftJoin('campaign_variants as v', 'v.id', 'r.variant_id')
      .where('r.workspace_id', workspaceId)
      .where('r.campaign_id', campaign.id)
      .where('r.id', '>', afterId)
      .orderBy('r.id', 'asc')
      .limit(PAGE)
      .select('r.id', 'c.public_id', 'c.name', 'c.profile_name', 'c.phone', 'v.label')
      .select('r.phase', 'r.status', 'r.error_code', 'r.error_reason', 'r.due_at', 'r.sent_at')
      .select('r.delivered_at', 'r.read_at', 'r.replied_at', 'r.failed_at')
    for (const row of rows) {
      yield [
        row.public_id,
        row.name ?? row.profile_name ?? '',
        row.phone ?? '',
        row.label ?? '',
        row.phase,
        row.status,
        row.error_code ?? '',
        row.error_reason ?? '',
        storedIso(row.due_at) ?? '',
        storedIso(row.sent_at) ?? '',
        storedIso(row.delivered_at) ?? '',
        storedIso(row.read_at) ?? '',
        storedIso(row.replied_at) ?? '',
        storedIso(row.failed_at) ?? '',
      ]
    }
    if (rows.length < PAGE) return
    afterId = Number(rows[rows.length - 1].id)
  }
}

/**
 * The recipients as a CSV stream for the HTTP response (csv-stringify).
 * Each page is read inside the caller's tenant context, reopened for every
 * pull since the stream is consumed after the request handler returns.
 */
export function recipientsCsv(campaign: Campaign): Readable {
  const workspaceId = tenancy.workspaceId()
  const source = Readable.from(
    (async function* () {
      yield [...RECIPIENT_COLUMNS]
      const iterator = recipientRows(campaign)
      while (true) {
        const next = await tenancy.run(workspaceId, () => iterator.next())
        if (next.done) return
        yield next.value
      }
    })()
  )
  return source.pipe(stringify())
}
