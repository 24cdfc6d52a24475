import type { HttpContext } from '@adonisjs/core/http'
import Membership from '#core/models/membership'
import Invitation from '#core/models/invitation'
import Role from '#core/models/role'
import { newWorkspaceValidator } from '#core/validators/auth'
import { createWorkspace } from '#core/actions/create_workspace'
import { listUserWorkspaces } from '#core/queries/list_user_workspaces'

async function count(query: { count: (column: string) => Promise<any[]> } | any) {
  const [row] = await query.count('* as total')
  return Number(row.$extras.total)
}

export default class WorkspacesController {
  /**
   * The workspace picker (users in several workspaces, or none yet).
   */
  async index({ auth, inertia }: HttpContext) {
    return inertia.render('workspaces/select', {
      workspaces: await listUserWorkspaces(auth.getUserOrFail()),
    })
  }

  async store({ auth, request, response, session, i18n }: HttpContext) {
    const { name, slug } = await request.validateUsing(newWorkspaceValidator)
    const workspace = await createWorkspace({
      name,
      slug,
      owner: auth.getUserOrFail(),
      locale: i18n.locale,
    })
    session.flash('success', i18n.t('notices.workspace_created'))
    return response.redirect(`/w/${workspace.slug}`)
  }

  async dashboard({ inertia }: HttpContext) {
    return inertia.render('workspace/dashboard', {
      stats: {
        members: await count(Membership.query()),
        pendingInvitations: await count(
          Invitation.query().whereNull('accepted_at').whereNull('revoked_at')
        ),
        roles: await count(Role.query()),
      },
    })
  }
}
