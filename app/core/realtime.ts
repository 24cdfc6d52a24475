import transmit from '@adonisjs/transmit/services/main'
import type { HttpContext } from '@adonisjs/core/http'
import Workspace from '#core/models/workspace'
import Membership from '#core/models/membership'
import { tenancy } from '#core/tenancy/context'

/**
 * Realtime: Transmit channels are `workspaces/<workspace public id>/...`;
 * only members of that workspace may subscribe (registered once by
 * `authorizeRealtimeChannels`, called from the routes file).
 */
type Payload = Parameters<typeof transmit.broadcast>[1]

const publicIds = new Map<number, string>()

async function publicIdOf(workspaceId: number): Promise<string> {
  const cached = publicIds.get(workspaceId)
  if (cached) return cached
  const workspace = await Workspace.findOrFail(workspaceId)
  publicIds.set(workspaceId, workspace.publicId)
  return workspace.publicId
}

function cleanPath(path: string) {
  return path
    .split('/')
    .map((segment) => segment.trim())
    .filter(Boolean)
    .join('/')
}

/** The channel name for a workspace-relative path. */
export async function workspaceChannel(workspaceId: number, path: string): Promise<string> {
  const rest = cleanPath(path)
  const base = `workspaces/${await publicIdOf(workspaceId)}`
  return rest ? `${base}/${rest}` : base
}

/** Push `payload` to every subscriber of `workspaces/<id>/<path>`. */
export async function broadcast(workspaceId: number, path: string, payload: Payload) {
  transmit.broadcast(await workspaceChannel(workspaceId, path), payload)
}

export async function isWorkspaceMember(ctx: HttpContext, workspacePublicId: string) {
  const user = ctx.auth?.user
  if (!user) return false
  const workspace = await Workspace.findBy('public_id', workspacePublicId)
  if (!workspace || workspace.isSuspended) return false
  const membership = await tenancy.run(workspace.id, () =>
    Membership.query().where('user_id', user.id).first()
  )
  return membership !== null
}

let authorized = false

export function authorizeRealtimeChannels() {
  if (authorized) return
  authorized = true
  const check = (ctx: HttpContext, params: { id: string }) => isWorkspaceMember(ctx, params.id)
  transmit.authorize<{ id: string }>('workspaces/:id', check)
  transmit.authorize<{ id: string }>('workspaces/:id/*', check)
}
