import { broadcast } from '#core/realtime'
import type MessageTemplate from '#templates/models/message_template'

/**
 * Realtime: `workspaces/<id>/templates` tells open template lists that a
 * template changed (webhook, sync, edit) or that a sync made progress.
 */
export async function broadcastTemplates(template: MessageTemplate) {
  await broadcast(template.workspaceId, 'templates', {
    type: 'template.updated',
    id: template.publicId,
    status: template.status,
    qualityScore: template.qualityScore,
    category: template.category,
  })
}

export async function broadcastSync(
  workspaceId: number,
  payload: {
    phase: 'progress' | 'done'
    seen: number
    created?: number
    updated?: number
    removed?: number
  }
) {
  await broadcast(workspaceId, 'templates', { type: 'templates.sync', ...payload })
}
