import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Segment from '#contacts/models/segment'
import { audit } from '#core/services/audit'
import { isUniqueViolation } from '#core/helpers/db_errors'
import { sqlDateTime } from '#core/helpers/sql_time'
import { countSegment, segmentFilter } from '#contacts/segments/compile'
import type { SegmentGroup } from '#contacts/segments/types'

/**
 * Saving and deleting segments: the definition is validated by the
 * engine (with the segment's own id, so a reference back to it is a
 * cycle), counted, stored; every change is audited.
 */

export type SegmentInput = {
  name: string
  description?: string | null
  definition?: unknown
}

/** A name already used in the workspace (segments.name is unique per workspace). */
export class SegmentNameTakenError extends Error {}

/** The segment is referenced by other segments and cannot be deleted. */
export class SegmentInUseError extends Error {
  constructor(public usedBy: string[]) {
    super('Segment is used by other segments')
  }
}

export async function saveSegment(
  segment: Segment | null,
  input: SegmentInput,
  actorId: number | null
): Promise<Segment> {
  await segmentFilter(input.definition, { self: segment?.publicId })
  const count = await countSegment(input.definition)
  const before = segment ? { name: segment.name, definition: segment.definition } : null
  const target = segment ?? new Segment()
  target.merge({
    name: input.name,
    description: input.description ?? null,
    definition: input.definition as SegmentGroup,
    lastCount: count,
    lastCountedAt: DateTime.utc(),
  })
  if (!segment) target.createdBy = actorId
  try {
    await target.save()
  } catch (error) {
    if (isUniqueViolation(error)) throw new SegmentNameTakenError(input.name)
    throw error
  }
  await audit({
    action: segment ? 'segment.updated' : 'segment.created',
    workspaceId: target.workspaceId,
    actorId,
    target: { type: 'segment', id: target.publicId },
    before,
    after: { name: target.name, definition: target.definition },
  })
  return target
}

/** Other segments whose definition references `segment`. */
async function segmentsReferencing(segment: Segment): Promise<Segment[]> {
  const others = await Segment.query().whereNot('id', segment.id)
  const refers = (node: unknown): boolean => {
    if (!node || typeof node !== 'object') return false
    const record = node as Record<string, unknown>
    if (record.type === 'segment' && record.segment === segment.publicId) return true
    return Array.isArray(record.conditions) && record.conditions.some(refers)
  }
  return others.filter((other) => refers(other.definition))
}

export async function deleteSegment(segment: Segment, actorId: number | null) {
  const users = await segmentsReferencing(segment)
  if (users.length) throw new SegmentInUseError(users.map((user) => user.name))
  await segment.delete()
  await audit({
    action: 'segment.deleted',
    workspaceId: segment.workspaceId,
    actorId,
    target: { type: 'segment', id: segment.publicId },
    before: { name: segment.name, definition: segment.definition },
  })
}

/** Counts a saved segment and stores the count (the list shows it). */
export async function refreshSegmentCount(segment: Segment): Promise<number> {
  const count = await countSegment(segment.definition, { self: segment.publicId })
  // Explicitly scoped raw update: keeps updated_at (a count is not an edit).
  await db
    .from('segments')
    .where('workspace_id', segment.workspaceId)
    .where('id', segment.id)
    .update({ last_count: count, last_counted_at: sqlDateTime() })
  segment.lastCount = count
  segment.lastCountedAt = DateTime.utc()
  return count
}
