import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import { tenancy } from '#core/tenancy/context'
import { sqlDateTime } from '#core/helpers/sql_time'

export type TagStatistics = {
  /** Inclusive dates (YYYY-MM-DD) in the workspace time zone. */
  from: string
  to: string
  tags: { id: string; name: string; color: string; count: number }[]
}

const DEFAULT_DAYS = 30
/** Longest range the page asks for (keeps the scan bounded). */
const MAX_DAYS = 366

function day(value: string | undefined, zone: string): DateTime | null {
  if (!value) return null
  const parsed = DateTime.fromISO(value, { zone })
  return parsed.isValid ? parsed.startOf('day') : null
}

/**
 * Conversations per tag over a date range. A conversation counts for a
 * tag when the tag was applied to it inside the range
 * (`conversation_tags.created_at`), each conversation once per tag.
 * Counting by the tagging time (not the conversation's creation) answers
 * "how many conversations did we label Complaint last month", including
 * old conversations that came back. Dates are whole days in the workspace
 * time zone; the default is the last 30 days including today. Tags with
 * no conversation in the range are listed with 0.
 */
export async function tagStatistics(
  input: { from?: string; to?: string },
  timezone: string
): Promise<TagStatistics> {
  const workspaceId = tenancy.workspaceId()
  const zone = DateTime.local().setZone(timezone).isValid ? timezone : 'UTC'
  const today = DateTime.now().setZone(zone).startOf('day')
  let to = day(input.to, zone) ?? today
  let from = day(input.from, zone) ?? to.minus({ days: DEFAULT_DAYS - 1 })
  if (from > to) [from, to] = [to, from]
  if (to.diff(from, 'days').days > MAX_DAYS) from = to.minus({ days: MAX_DAYS })

  const counts: { tag_id: number; total: number | string }[] = await db
    .from('conversation_tags')
    .where('workspace_id', workspaceId)
    .where('created_at', '>=', sqlDateTime(from))
    .where('created_at', '<', sqlDateTime(to.plus({ days: 1 })))
    .groupBy('tag_id')
    .select('tag_id')
    .countDistinct('conversation_id as total')
  const byTag = new Map(counts.map((row) => [Number(row.tag_id), Number(row.total)]))

  const tags: { id: number; public_id: string; name: string; color: string }[] = await db
    .from('tags')
    .where('workspace_id', workspaceId)
    .select('id', 'public_id', 'name', 'color')
  return {
    from: from.toISODate()!,
    to: to.toISODate()!,
    tags: tags
      .map((tag) => ({
        id: tag.public_id,
        name: tag.name,
        color: tag.color,
        count: byTag.get(Number(tag.id)) ?? 0,
      }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
  }
}
