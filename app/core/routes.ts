/*
| Core routes: authentication, invitations, workspace settings, platform admin.
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const AuthController = () => import('#core/controllers/auth_controller')
const GoogleController = () => import('#core/controllers/google_controller')
const InvitationsController = () => import('#core/controllers/invitations_controller')
const WorkspacesController = () => import('#core/controllers/workspaces_controller')
const ProfileController = () => import('#core/controllers/profile_controller')
const MembersController = () => import('#core/controllers/members_controller')
const RolesController = () => import('#core/controllers/roles_controller')
const AuditController = () => import('#core/controllers/audit_controller')
const NotificationsController = () => import('#core/controllers/notifications_controller')
const SandboxController = () => import('#channels/controllers/sandbox_controller')
const ChannelsController = () => import('#channels/controllers/channels_controller')
const AdminWorkspacesController = () => import('#core/controllers/admin/workspaces_controller')
const AdminUsersController = () => import('#core/controllers/admin/users_controller')
const AdminPlansController = () => import('#core/controllers/admin/plans_controller')
const AdminAuditController = () => import('#core/controllers/admin/audit_controller')
const AdminWebhooksController = () => import('#channels/controllers/admin_webhooks_controller')
const AdminJobsController = () => import('#core/controllers/admin/jobs_controller')

/*
| Meta webhooks: the platform app, and per-channel URLs for a workspace
| that brings its own Meta app. Signed by Meta; no session, no CSRF.
*/
const MetaWebhooksController = () => import('#channels/controllers/meta_webhooks_controller')
router.get('/webhooks/meta', [MetaWebhooksController, 'verify'])
router.post('/webhooks/meta', [MetaWebhooksController, 'receive'])
router.get('/webhooks/meta/:channelKey', [MetaWebhooksController, 'verify'])
router.post('/webhooks/meta/:channelKey', [MetaWebhooksController, 'receive'])

router
  .get('/', async ({ auth, response }) => {
    if (!auth.user) return response.redirect('/login')
    const { landingPath } = await import('#core/queries/landing_path')
    return response.redirect(await landingPath(auth.user))
  })
  .as('home')

/*
| Guests
*/
router
  .group(() => {
    router.get('/login', [AuthController, 'showLogin']).as('login')
    router.post('/login', [AuthController, 'login'])
    router.get('/signup', [AuthController, 'showSignup']).as('signup')
    router.post('/signup', [AuthController, 'signup'])
    router.get('/forgot-password', [AuthController, 'showForgotPassword']).as('password.forgot')
    router.post('/forgot-password', [AuthController, 'forgotPassword'])
    router.get('/reset-password/:token', [AuthController, 'showResetPassword']).as('password.reset')
    router.post('/reset-password', [AuthController, 'resetPassword'])
    router.get('/auth/google/redirect', [GoogleController, 'redirect'])
    router.get('/auth/google/callback', [GoogleController, 'callback'])
  })
  .use(middleware.guest())

/*
| Token links, for guests and members alike (the token is the credential).
*/
router.get('/verify-email/:token', [AuthController, 'verifyEmail']).as('email.verify')
router.get('/invitations/:token', [InvitationsController, 'show']).as('invitations.show')
router.post('/invitations/:token/accept', [InvitationsController, 'accept'])

/*
| Signed in, outside any workspace
*/
router
  .group(() => {
    router.post('/logout', [AuthController, 'logout']).as('logout')
    router.post('/email/verification-notification', [AuthController, 'resendVerification'])
    router.get('/workspaces', [WorkspacesController, 'index']).as('workspaces.index')
    router.post('/workspaces', [WorkspacesController, 'store'])
  })
  .use(middleware.auth())

/*
| Tenant panel: /w/:workspace/... (membership checked, tenant context opened)
*/
router
  .group(() => {
    router.get('/', [WorkspacesController, 'dashboard']).as('workspace.dashboard')
    router.get('/settings', ({ params, response }) =>
      response.redirect(`/w/${params.workspace}/settings/profile`)
    )
    router.get('/settings/profile', [ProfileController, 'show']).as('settings.profile')
    router.put('/settings/profile', [ProfileController, 'update'])
    router.put('/settings/password', [ProfileController, 'updatePassword'])
    router.get('/settings/members', [MembersController, 'index']).as('settings.members')
    router.post('/settings/invitations', [MembersController, 'invite'])
    router.delete('/settings/invitations/:invitation', [MembersController, 'revoke'])
    router.put('/settings/members/:member', [MembersController, 'update'])
    router.delete('/settings/members/:member', [MembersController, 'destroy'])
    router.get('/settings/roles', [RolesController, 'index']).as('settings.roles')
    router.post('/settings/roles', [RolesController, 'store'])
    router.put('/settings/roles/:role', [RolesController, 'update'])
    router.delete('/settings/roles/:role', [RolesController, 'destroy'])
    router.get('/settings/audit', [AuditController, 'index']).as('settings.audit')
    router.post('/notifications/read', [NotificationsController, 'markAllRead'])
    router.get('/settings/channels', [ChannelsController, 'index']).as('settings.channels')
    router.post('/settings/channels/test', [ChannelsController, 'test'])
    router.post('/settings/channels', [ChannelsController, 'store'])
    router.post('/settings/channels/embedded-signup', [ChannelsController, 'embeddedSignup'])
    router.put('/settings/channels/:channel/token', [ChannelsController, 'rotateToken'])
    router.delete('/settings/channels/:channel', [ChannelsController, 'destroy'])
    router.get('/sandbox', [SandboxController, 'show']).as('sandbox')
    router.post('/sandbox/inbound', [SandboxController, 'inbound'])
    router.post('/sandbox/reply', [SandboxController, 'reply'])
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])

/*
| Platform admin
*/
router
  .group(() => {
    router.get('/', ({ response }) => response.redirect('/admin/workspaces'))
    router.get('/workspaces', [AdminWorkspacesController, 'index']).as('admin.workspaces')
    router.get('/workspaces/:id', [AdminWorkspacesController, 'show'])
    router.post('/workspaces/:id/suspend', [AdminWorkspacesController, 'suspend'])
    router.post('/workspaces/:id/resume', [AdminWorkspacesController, 'resume'])
    router.put('/workspaces/:id/plan', [AdminWorkspacesController, 'changePlan'])
    router.get('/users', [AdminUsersController, 'index']).as('admin.users')
    router.get('/plans', [AdminPlansController, 'index']).as('admin.plans')
    router.put('/plans/:id', [AdminPlansController, 'update'])
    router.get('/audit', [AdminAuditController, 'index']).as('admin.audit')
    router.get('/webhooks', [AdminWebhooksController, 'index']).as('admin.webhooks')
    router.get('/jobs', [AdminJobsController, 'index']).as('admin.jobs')
    router.post('/jobs/:id/retry', [AdminJobsController, 'retry'])
    router.post('/webhooks/:id/replay', [AdminWebhooksController, 'replay'])
  })
  .prefix('/admin')
  .use([middleware.auth(), middleware.superAdmin()])

/*
| Plugins (Admin → Plugins, Settings → Plugins, each plugin's own routes)
| and realtime (Transmit).
*/
import '#core/plugin_host/routes'
