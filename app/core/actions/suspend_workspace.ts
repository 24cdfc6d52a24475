import { DateTime } from 'luxon'
import type Workspace from '#core/models/workspace'
import { audit } from '#core/services/audit'

/**
 * Platform actions on a workspace (super admin panel and ace commands).
 */
export async function suspendWorkspace(
  workspace: Workspace,
  reason: string,
  actorId: number | null
) {
  const before = { status: workspace.status }
  workspace.merge({ status: 'suspended', suspendedAt: DateTime.now(), suspensionReason: reason })
  await workspace.save()
  await audit({
    action: 'workspace.suspended',
    workspaceId: workspace.id,
    actorId,
    target: { type: 'workspace', id: workspace.publicId },
    before,
    after: { status: 'suspended', reason },
  })
}

export async function resumeWorkspace(workspace: Workspace, actorId: number | null) {
  const before = { status: workspace.status, reason: workspace.suspensionReason }
  const trialRunning = workspace.trialEndsAt !== null && workspace.trialEndsAt > DateTime.now()
  workspace.merge({
    status: trialRunning ? 'trial' : 'active',
    suspendedAt: null,
    suspensionReason: null,
  })
  await workspace.save()
  await audit({
    action: 'workspace.resumed',
    workspaceId: workspace.id,
    actorId,
    target: { type: 'workspace', id: workspace.publicId },
    before,
    after: { status: workspace.status },
  })
}
